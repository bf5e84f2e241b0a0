#include "dataplane/core/verdict.h"

namespace spamwall {

namespace {
constexpr std::string_view kReasonNames[SW_REASON_COUNT] = {
    "none", "consumer_smtp", "mx_fence", "quarantine", "malformed"};
constexpr std::string_view kMalformedNames[SW_MALFORMED_COUNT] = {
    "none",           "l3_truncated",          "bad_version",   "bad_ihl",
    "bad_total_length", "bad_payload_length", "ext_chain",     "no_ports"};

static_assert(2 * kMaxClassifyBurst <= Ipv4Poptrie::kMaxBurst);
static_assert(2 * kMaxClassifyBurst <= Ipv6Poptrie::kMaxBurst);
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

namespace {

// Lookups and rules for up to kMaxClassifyBurst parsed packets. Only
// mail-port packets pay for lookups (about one in seven); their S and D keys
// go to one LookupBurst per family.
void JudgeChunk(const CompiledPolicy& policy, const sw_parsed* parsed, uint16_t n,
                Verdict* verdicts) {
  uint8_t spf[kMaxClassifyBurst], dpf[kMaxClassifyBurst];
  uint16_t pending[kMaxClassifyBurst];  // packet index; keys 2k (S), 2k+1 (D)
  const uint8_t* keys4[2 * kMaxClassifyBurst];
  const uint8_t* keys6[2 * kMaxClassifyBurst];
  uint8_t cls4[2 * kMaxClassifyBurst], cls6[2 * kMaxClassifyBurst];
  uint16_t slot[kMaxClassifyBurst];  // where packet's keys sit in its family's array
  uint16_t np = 0, n4 = 0, n6 = 0;
  for (uint16_t i = 0; i < n; i++) {
    const sw_parsed& p = parsed[i];
    if (!NeedsClasses(policy, p, &spf[i], &dpf[i], &verdicts[i])) continue;
    pending[np++] = i;
    if (p.l3 == SW_L3_IPV4) {
      slot[i] = n4;
      keys4[n4++] = p.src;
      keys4[n4++] = p.dst;
    } else {
      slot[i] = n6;
      keys6[n6++] = p.src;
      keys6[n6++] = p.dst;
    }
  }
  if (n4) policy.v4.LookupBurst(keys4, n4, cls4);
  if (n6) policy.v6.LookupBurst(keys6, n6, cls6);
  for (uint16_t k = 0; k < np; k++) {
    uint16_t i = pending[k];
    const uint8_t* cls = parsed[i].l3 == SW_L3_IPV4 ? cls4 : cls6;
    verdicts[i] = Decide(policy, spf[i], dpf[i], cls[slot[i]], cls[slot[i] + 1]);
  }
}

}  // namespace

void ParseBurst(const uint8_t* const* frames, const uint32_t* readable, const uint32_t* frame_len,
                uint16_t n, sw_parsed* parsed) {
  for (uint16_t i = 0; i < n; i++) {
    if (i + 1 < n) __builtin_prefetch(frames[i + 1]);
    sw_parse_frame(frames[i], readable[i], frame_len[i], &parsed[i]);
  }
}

void JudgeBurst(const CompiledPolicy& policy, const sw_parsed* parsed, uint16_t n,
                Verdict* verdicts) {
  for (uint16_t at = 0; at < n; at += kMaxClassifyBurst) {
    uint16_t k = static_cast<uint16_t>(n - at < kMaxClassifyBurst ? n - at : kMaxClassifyBurst);
    JudgeChunk(policy, parsed + at, k, verdicts + at);
  }
}

void ClassifyBurst(const CompiledPolicy& policy, const uint8_t* const* frames,
                   const uint32_t* readable, const uint32_t* frame_len, uint16_t n,
                   sw_parsed* parsed, Verdict* verdicts) {
  ParseBurst(frames, readable, frame_len, n, parsed);
  JudgeBurst(policy, parsed, n, verdicts);
}

}  // namespace spamwall
