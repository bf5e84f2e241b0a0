// What both run modes do the same way before any port exists.
#ifndef SPAMWALL_DATAPLANE_APP_RUN_SUPPORT_H_
#define SPAMWALL_DATAPLANE_APP_RUN_SUPPORT_H_

#include <memory>
#include <string>

#include "dataplane/core/compiled_policy.h"

namespace spamwall {

// Prints "spamwall-dataplane: message" to stderr and returns code.
int Fail(int code, const std::string& message);

// Loads and compiles the policy, printing its warnings to stderr. On refusal
// returns nullptr with *refusal listing every error as file:line:col.
std::unique_ptr<CompiledPolicy> LoadPolicyForRun(const std::string& path, std::string* refusal);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_RUN_SUPPORT_H_
