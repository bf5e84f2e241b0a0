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
};

constexpr int kReasonCount = SW_REASON_COUNT;
std::string_view ReasonName(uint8_t reason);       // "consumer_smtp", ...
bool ReasonFromName(std::string_view name, uint8_t* reason);
std::string_view MalformedName(uint8_t malformed);  // "bad_ihl", ...

// Judges an already parsed packet.
inline Verdict Judge(const CompiledPolicy& policy, const sw_parsed& pkt) {
  if (pkt.l3 == SW_L3_NONE) return {};
  if (pkt.malformed) return {1, SW_REASON_MALFORMED};  // not subject to monitor mode
  if (pkt.non_first_fragment || !pkt.has_ports) return {};
  uint8_t spf = policy.PortFlags(pkt.sport), dpf = policy.PortFlags(pkt.dport);
  if ((spf | dpf) == 0) return {};  // no rule without a mail port: no lookup
  const StrideTrie& table = policy.Table(pkt.l3);
  uint8_t reason = sw_judge_rules(spf, dpf, table.Lookup(pkt.src), table.Lookup(pkt.dst));
  if (reason == SW_REASON_NONE) return {};
  return {static_cast<uint8_t>(policy.mode == PolicyMode::kEnforce), reason};
}

inline Verdict ClassifyFrame(const CompiledPolicy& policy, const uint8_t* frame,
                             uint32_t readable, uint32_t frame_len, sw_parsed* parsed) {
  sw_parse_frame(frame, readable, frame_len, parsed);
  return Judge(policy, *parsed);
}

// A burst: parse every frame, prefetch the table slots of the mail-port
// packets, then judge. Same results as ClassifyFrame on each frame.
void ClassifyBurst(const CompiledPolicy& policy, const uint8_t* const* frames,
                   const uint32_t* readable, const uint32_t* frame_len, uint16_t n,
                   sw_parsed* parsed, Verdict* verdicts);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_VERDICT_H_
