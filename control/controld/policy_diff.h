// What a policy change does, as counts per list: `policy check` prints it and
// the audit log records it. Entries are compared by value (normalized prefix,
// port, exemption prefix+owner+expires), so reordering a file changes nothing.
#ifndef SPAMWALL_CONTROL_CONTROLD_POLICY_DIFF_H_
#define SPAMWALL_CONTROL_CONTROLD_POLICY_DIFF_H_

#include <nlohmann/json.hpp>

#include "control/policy/policy.h"

namespace spamwall::controld {

// The lists in the order they are shown.
inline constexpr const char* kDiffLists[] = {
    "consumer", "business", "internal", "mx_servers", "authorized_relays",
    "quarantine", "exemptions", "smtp_ports", "submission_ports"};

// {"consumer": {"current": N, "new": N, "added": N, "removed": N}, ...} for
// every list, plus "mode": {"current", "new"}. `current` may be null (nothing
// loaded yet: every entry is added).
nlohmann::json PolicyDiff(const Policy* current, const Policy& next);

// Only the lists that changed, {"list": {"added": N, "removed": N}}: the audit
// log's "changes".
nlohmann::json ChangedLists(const nlohmann::json& diff);

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_POLICY_DIFF_H_
