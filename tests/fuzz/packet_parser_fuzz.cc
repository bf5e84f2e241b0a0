// libFuzzer target: any bytes as a frame through the parser and the verdict,
// against a policy that exercises every rule. Checks the invariants the
// dataplane relies on; ASan checks that nothing is read past the frame.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "control/policy/policy_loader.h"
#include "dataplane/core/verdict.h"

namespace {

const spamwall::CompiledPolicy& Policy(spamwall::PolicyMode mode) {
  static const char kText[] = R"(version: 1
subscribers:
  consumer: [100.64.0.0/10, 2001:db8:1000::/36, 0.0.0.0/1]
  business: [203.0.113.0/24, 100.64.50.0/24]
internal: [100.64.0.0/10, 203.0.113.0/24, 198.51.100.0/24, 2001:db8::/32]
mail:
  mx_servers: [198.51.100.25, 2001:db8::25]
  authorized_relays: [198.51.100.10]
exemptions:
  - {prefix: 100.64.12.34/32, owner: fuzz, reason: fuzz, expires: 2099-01-01}
quarantine: [100.64.99.7/32, 2001:db8:1000::7/128]
)";
  static std::unique_ptr<spamwall::CompiledPolicy> policies[2];
  auto& p = policies[static_cast<int>(mode)];
  if (!p) {
    spamwall::Diagnostics diag;
    auto parsed = spamwall::LoadPolicyText(kText, "fuzz.yaml", "", &diag);
    if (!parsed) std::abort();
    parsed->mode = mode;
    p = spamwall::CompilePolicy(*parsed, {}, &diag);
    if (!p) std::abort();
  }
  return *p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 65535) return 0;
  // An exact-size heap copy so that ASan sees any read past the frame.
  std::vector<uint8_t> frame(data, data + size);
  const uint32_t len = static_cast<uint32_t>(size);
  const auto& enforce = Policy(spamwall::PolicyMode::kEnforce);
  const auto& monitor = Policy(spamwall::PolicyMode::kMonitor);

  sw_parsed p;
  spamwall::Verdict v = spamwall::ClassifyFrame(enforce, frame.data(), len, len, &p);
  if (v.drop && v.reason == SW_REASON_NONE) std::abort();
  if (p.has_ports && (p.malformed || p.l4_offset + 4u > len)) std::abort();
  if (p.malformed && !(v.drop && v.reason == SW_REASON_MALFORMED)) std::abort();

  // Reading only a prefix of the frame (a short first segment) must never
  // read more than that prefix.
  if (len > 0) {
    std::vector<uint8_t> head(frame.begin(), frame.begin() + len / 2);
    sw_parsed q;
    sw_parse_frame(head.data(), static_cast<uint32_t>(head.size()), len, &q);
  }

  // Monitor mode passes what enforce drops, except malformed frames.
  sw_parsed pm;
  spamwall::Verdict m = spamwall::ClassifyFrame(monitor, frame.data(), len, len, &pm);
  if (m.reason != v.reason) std::abort();
  if (m.drop != (v.reason == SW_REASON_MALFORMED)) std::abort();

  // The burst path agrees with the single-frame path.
  const uint8_t* frames[1] = {frame.data()};
  uint32_t lens[1] = {len};
  sw_parsed bp[1];
  spamwall::Verdict bv[1];
  spamwall::ClassifyBurst(enforce, frames, lens, lens, 1, bp, bv);
  if (bv[0].drop != v.drop || bv[0].reason != v.reason) std::abort();
  return 0;
}
