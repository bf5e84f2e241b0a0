#include "dataplane/app/run_support.h"

#include <cstdio>

#include "control/policy/policy_loader.h"

namespace spamwall {

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "spamwall-dataplane: %s\n", message.c_str());
  return code;
}

std::unique_ptr<CompiledPolicy> LoadPolicyForRun(const std::string& path, std::string* refusal) {
  Diagnostics diag;
  std::unique_ptr<CompiledPolicy> policy = LoadAndCompile(path, CompileOptions{}, &diag);
  for (const auto& w : diag.warnings) std::fprintf(stderr, "warning: %s\n", w.ToString().c_str());
  if (!policy) {
    *refusal = "policy " + path + " refused:";
    for (const auto& e : diag.errors) *refusal += "\n  " + e.ToString();
  }
  return policy;
}

}  // namespace spamwall
