// Where controld's policies come from: the bundle a client sent (the policy
// and the files it references, read by the client with its own rights), or
// controld's own boot policy, which it reads itself: regular files only, no
// symbolic link as the last component, size-capped, like the bundle's.
#ifndef SPAMWALL_CONTROL_CONTROLD_POLICY_SOURCE_H_
#define SPAMWALL_CONTROL_CONTROLD_POLICY_SOURCE_H_

#include <optional>
#include <string>
#include <vector>

#include "control/policy/policy.h"
#include "ipc/api/file_bundle.h"

namespace spamwall::controld {

// The policy of a bundle: files[0], its references from the others.
// *referenced (when given): every file the policy names.
std::optional<Policy> LoadBundle(const api::FileBundle& b, Diagnostics* diag,
                                 std::vector<std::string>* referenced = nullptr);

// controld's own policy file (configuration `policy`) and its references.
std::optional<Policy> LoadOwnPolicy(const std::string& path, Diagnostics* diag);

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_POLICY_SOURCE_H_
