/* Rules 2-4 of docs/verdict-semantics.md, written once.
 *
 * Plain C in a header for the same reason as packet_parse.h: the DPDK path,
 * the tests and the XDP program evaluate exactly this function. Its inputs are
 * what the compiled policy resolves for a packet: the port flags of sp and dp
 * and the class bits of S and D (one longest-prefix lookup each).
 */
#ifndef SPAMWALL_DATAPLANE_CORE_VERDICT_RULES_H_
#define SPAMWALL_DATAPLANE_CORE_VERDICT_RULES_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Class bits carried by every longest-prefix entry: the union of every list
 * entry that covers the prefix, except consumer/business, where the longer
 * prefix wins (business on a tie). */
#define SW_CLASS_CONSUMER   0x01u
#define SW_CLASS_BUSINESS   0x02u
#define SW_CLASS_INTERNAL   0x04u
#define SW_CLASS_MX         0x08u
#define SW_CLASS_RELAY      0x10u
#define SW_CLASS_QUARANTINE 0x20u
#define SW_CLASS_EXEMPT     0x40u  /* covered by an unexpired exemption */
#define SW_CLASS_WATCH      0x80u  /* in sampling.watch: every flow sampled */

/* Port flags (per TCP port). */
#define SW_PORT_SMTP        0x01u
#define SW_PORT_SUBMISSION  0x02u

enum sw_reason {
  SW_REASON_NONE = 0,
  SW_REASON_CONSUMER_SMTP,
  SW_REASON_MX_FENCE,
  SW_REASON_QUARANTINE,
  SW_REASON_MALFORMED,
  SW_REASON_COUNT
};

/* "Consumer": in subscribers.consumer (longest match over business) and not
 * covered by an unexpired exemption. */
static inline int sw_is_consumer(uint8_t cls) {
  return (cls & (SW_CLASS_CONSUMER | SW_CLASS_EXEMPT)) == SW_CLASS_CONSUMER;
}

/* Returns the first rule that drops the packet, or SW_REASON_NONE.
 * spf/dpf: port flags of the source/destination port; s/d: class bits. */
static inline uint8_t sw_judge_rules(uint8_t spf, uint8_t dpf, uint8_t s, uint8_t d) {
  const uint8_t mail = SW_PORT_SMTP | SW_PORT_SUBMISSION;
  /* 2. Quarantine: the subscriber's own mail, to or from it, on any mail port. */
  if (((s & SW_CLASS_QUARANTINE) && (dpf & mail)) ||
      ((d & SW_CLASS_QUARANTINE) && (spf & mail)))
    return SW_REASON_QUARANTINE;
  /* 3. MX fence: only authorized relays reach the ISP's MX from inside. */
  if (((d & SW_CLASS_MX) && (dpf & SW_PORT_SMTP) && (s & SW_CLASS_INTERNAL) &&
       !(s & SW_CLASS_RELAY)) ||
      ((s & SW_CLASS_MX) && (spf & SW_PORT_SMTP) && (d & SW_CLASS_INTERNAL) &&
       !(d & SW_CLASS_RELAY)))
    return SW_REASON_MX_FENCE;
  /* 4. Consumer port 25, both ports and both addresses (asymmetric routing). */
  if (((spf | dpf) & SW_PORT_SMTP) && (sw_is_consumer(s) || sw_is_consumer(d)))
    return SW_REASON_CONSUMER_SMTP;
  return SW_REASON_NONE;
}

#ifdef __cplusplus
}
#endif

#endif /* SPAMWALL_DATAPLANE_CORE_VERDICT_RULES_H_ */
