// The policy model as bytes: what controld stores beside each generation's
// compiled tables (the kPolicyModel section of its image) so that after a
// restart it can diff, list and overlay the generation it runs without the
// policy file, which may have changed or gone since. Same machine and build
// as the writer (host byte order); the reader checks every length.
#ifndef SPAMWALL_CONTROL_POLICY_POLICY_SNAPSHOT_H_
#define SPAMWALL_CONTROL_POLICY_POLICY_SNAPSHOT_H_

#include <optional>
#include <string>

#include "control/policy/policy.h"

namespace spamwall {

std::string SerializePolicy(const Policy& p);
// nullopt with *error for bytes that are not a snapshot of this format.
std::optional<Policy> DeserializePolicy(const std::string& bytes, std::string* error);

}  // namespace spamwall

#endif  // SPAMWALL_CONTROL_POLICY_POLICY_SNAPSHOT_H_
