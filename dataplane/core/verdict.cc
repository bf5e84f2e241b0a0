#include "dataplane/core/verdict.h"

namespace spamwall {

namespace {
constexpr std::string_view kReasonNames[SW_REASON_COUNT] = {
    "none", "consumer_smtp", "mx_fence", "quarantine", "malformed"};
constexpr std::string_view kMalformedNames[SW_MALFORMED_COUNT] = {
    "none",           "l3_truncated",          "bad_version",   "bad_ihl",
    "bad_total_length", "bad_payload_length", "ext_chain",     "no_ports"};
}  // namespace

std::string_view ReasonName(uint8_t reason) {
  return reason < SW_REASON_COUNT ? kReasonNames[reason] : "unknown";
}

bool ReasonFromName(std::string_view name, uint8_t* reason) {
  for (uint8_t r = 0; r < SW_REASON_COUNT; r++)
    if (kReasonNames[r] == name) {
      *reason = r;
      return true;
    }
  return false;
}

std::string_view MalformedName(uint8_t malformed) {
  return malformed < SW_MALFORMED_COUNT ? kMalformedNames[malformed] : "unknown";
}

void ClassifyBurst(const CompiledPolicy& policy, const uint8_t* const* frames,
                   const uint32_t* readable, const uint32_t* frame_len, uint16_t n,
                   sw_parsed* parsed, Verdict* verdicts) {
  for (uint16_t i = 0; i < n; i++) {
    if (i + 1 < n) __builtin_prefetch(frames[i + 1]);
    sw_parse_frame(frames[i], readable[i], frame_len[i], &parsed[i]);
  }
  // Only mail-port packets pay for lookups; start their first table reads
  // for the whole burst before any of them is judged.
  for (uint16_t i = 0; i < n; i++) {
    const sw_parsed& p = parsed[i];
    if (!p.has_ports || p.malformed || p.non_first_fragment) continue;
    if ((policy.PortFlags(p.sport) | policy.PortFlags(p.dport)) == 0) continue;
    const StrideTrie& table = policy.Table(p.l3);
    __builtin_prefetch(table.RootSlot(p.src));
    __builtin_prefetch(table.RootSlot(p.dst));
  }
  for (uint16_t i = 0; i < n; i++) verdicts[i] = Judge(policy, parsed[i]);
}

}  // namespace spamwall
