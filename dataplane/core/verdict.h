// The reference verdict: parse a frame, resolve its classes through the
// compiled policy, apply the rules of verdict_rules.h, honour `mode: monitor`.
// The DPDK workers call ClassifyBurst; tests and tools call Judge/ClassifyFrame.
#ifndef SPAMWALL_DATAPLANE_CORE_VERDICT_H_
#define SPAMWALL_DATAPLANE_CORE_VERDICT_H_

#include <cstdint>
#include <string_view>

#include "dataplane/core/compiled_policy.h"
#include "dataplane/core/packet_parse.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall {

struct Verdict {
  uint8_t drop = 0;    // 1: the packet is dropped
  uint8_t reason = 0;  // sw_reason; with drop == 0, a monitor-mode "would drop"
  // For the SMTP sampler (not part of the verdict proper): TCP with a mail
  // port (smtp or submission) on either side, and S or D in sampling.watch.
  uint8_t mail = 0;
  uint8_t watch = 0;
};

constexpr int kReasonCount = SW_REASON_COUNT;
std::string_view ReasonName(uint8_t reason);       // "consumer_smtp", ...
bool ReasonFromName(std::string_view name, uint8_t* reason);
std::string_view MalformedName(uint8_t malformed);  // "bad_ihl", ...

// The checks before any lookup. Returns true when the packet needs the
// classes of S and D (TCP with a mail port), with its port flags; otherwise
// *verdict is final.
inline bool NeedsClasses(const CompiledPolicy& policy, const sw_parsed& pkt, uint8_t* spf,
                         uint8_t* dpf, Verdict* verdict) {
  *verdict = {};
  if (pkt.l3 == SW_L3_NONE) return false;
  if (pkt.malformed) {
    *verdict = {1, SW_REASON_MALFORMED};  // not subject to monitor mode
    return false;
  }
  if (pkt.non_first_fragment || !pkt.has_ports) return false;
  *spf = policy.PortFlags(pkt.sport);
  *dpf = policy.PortFlags(pkt.dport);
  return (*spf | *dpf) != 0;  // no rule without a mail port: no lookup
}

// Rules 2-4 on the resolved classes, then the policy's mode.
inline Verdict Decide(const CompiledPolicy& policy, uint8_t spf, uint8_t dpf, uint8_t s,
                      uint8_t d) {
  const uint8_t reason = sw_judge_rules(spf, dpf, s, d);
  const uint8_t watch = ((s | d) & SW_CLASS_WATCH) ? 1 : 0;
  if (reason == SW_REASON_NONE) return {0, 0, 1, watch};
  return {static_cast<uint8_t>(policy.mode == PolicyMode::kEnforce), reason, 1, watch};
}

// Judges an already parsed packet.
inline Verdict Judge(const CompiledPolicy& policy, const sw_parsed& pkt) {
  uint8_t spf, dpf;
  Verdict v;
  if (!NeedsClasses(policy, pkt, &spf, &dpf, &v)) return v;
  return Decide(policy, spf, dpf, policy.ClassOf(pkt.l3, pkt.src), policy.ClassOf(pkt.l3, pkt.dst));
}

inline Verdict ClassifyFrame(const CompiledPolicy& policy, const uint8_t* frame,
                             uint32_t readable, uint32_t frame_len, sw_parsed* parsed) {
  sw_parse_frame(frame, readable, frame_len, parsed);
  return Judge(policy, *parsed);
}

// A burst: parse every frame, look the mail-port packets' addresses up
// together (LookupBurst, kMaxClassifyBurst frames at a time), then judge.
// Same results as ClassifyFrame on each frame. ClassifyBurst is ParseBurst
// then JudgeBurst; the worker calls the two itself to time them apart.
constexpr uint16_t kMaxClassifyBurst = 64;
void ClassifyBurst(const CompiledPolicy& policy, const uint8_t* const* frames,
                   const uint32_t* readable, const uint32_t* frame_len, uint16_t n,
                   sw_parsed* parsed, Verdict* verdicts);
void ParseBurst(const uint8_t* const* frames, const uint32_t* readable, const uint32_t* frame_len,
                uint16_t n, sw_parsed* parsed);
void JudgeBurst(const CompiledPolicy& policy, const sw_parsed* parsed, uint16_t n,
                Verdict* verdicts);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_VERDICT_H_
