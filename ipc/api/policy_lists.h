// The policy lists a diff counts (`policy.check`'s "diff", the "changes" of
// every mutating reply and of the audit log), in the order they are shown.
// Shared by spamwall-controld, which computes the diff, and spamwallctl,
// which prints it: ipc/ is the layer every process may include.
#ifndef SPAMWALL_IPC_API_POLICY_LISTS_H_
#define SPAMWALL_IPC_API_POLICY_LISTS_H_

#include <cstddef>

namespace spamwall::api {

// The six prefix lists first, then exemptions, the two port lists and what
// controld and the sampler act on: thresholds (one key per threshold, all its
// fields, so a changed limit is one removed and one added), sampling (the
// flow rate and the watched prefixes) and the signature files.
inline constexpr const char* kDiffLists[] = {
    "consumer", "business", "internal", "mx_servers", "authorized_relays",
    "quarantine", "exemptions", "smtp_ports", "submission_ports",
    "thresholds", "sampling", "signatures"};
inline constexpr size_t kDiffListCount = sizeof kDiffLists / sizeof kDiffLists[0];
// kDiffLists[0, kDiffPrefixLists) are prefix lists, the rest are not.
inline constexpr size_t kDiffPrefixLists = 6;

}  // namespace spamwall::api

#endif  // SPAMWALL_IPC_API_POLICY_LISTS_H_
