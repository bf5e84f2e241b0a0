// The policy lists a diff counts (`policy.check`'s "diff", the "changes" of
// every mutating reply and of the audit log), in the order they are shown.
// Shared by spamwall-controld, which computes the diff, and spamwallctl,
// which prints it: ipc/ is the layer every process may include.
#ifndef SPAMWALL_IPC_API_POLICY_LISTS_H_
#define SPAMWALL_IPC_API_POLICY_LISTS_H_

#include <cstddef>

namespace spamwall::api {

// The six prefix lists first, then exemptions and the two port lists.
inline constexpr const char* kDiffLists[] = {
    "consumer", "business", "internal", "mx_servers", "authorized_relays",
    "quarantine", "exemptions", "smtp_ports", "submission_ports"};
inline constexpr size_t kDiffListCount = sizeof kDiffLists / sizeof kDiffLists[0];
// kDiffLists[0, kDiffPrefixLists) are prefix lists, the rest are not.
inline constexpr size_t kDiffPrefixLists = 6;

}  // namespace spamwall::api

#endif  // SPAMWALL_IPC_API_POLICY_LISTS_H_
