// libFuzzer target: any text as a policy. A refused policy must come with at
// least one error that names the file; an accepted one must compile.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "control/policy/policy_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  spamwall::Diagnostics diag;
  auto policy = spamwall::LoadPolicyText(text, "fuzz.yaml", "", &diag);
  if (!policy) {
    if (diag.errors.empty()) std::abort();
    for (const auto& e : diag.errors)
      if (e.file.empty() || e.message.empty()) std::abort();
    return 0;
  }
  spamwall::CompileOptions opts;
  opts.max_trie_nodes = 4096;  // bounded memory per input
  auto compiled = spamwall::CompilePolicy(*policy, opts, &diag);
  if (!compiled && diag.errors.empty()) std::abort();
  return 0;
}
