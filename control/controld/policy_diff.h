// What a policy change does, as counts per list: `policy check` prints it and
// the audit log records it. Entries are compared by value (normalized prefix,
// port, exemption prefix+owner+expires), so reordering a file changes nothing.
#ifndef SPAMWALL_CONTROL_CONTROLD_POLICY_DIFF_H_
#define SPAMWALL_CONTROL_CONTROLD_POLICY_DIFF_H_

#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/policy/policy.h"
#include "ipc/api/controld_results.h"
#include "ipc/api/policy_lists.h"

namespace spamwall::controld {

// A policy's entries as sorted, unique keys per list (prefixes stay binary:
// a 1M-prefix diff is a sort of plain values). Made once per compiled policy
// and kept with it, so a push sorts only the new policy's lists.
struct PolicyKeys {
  struct Prefix {
    std::array<uint8_t, 18> bytes;  // family, length, address
    // memcmp, not the element-wise default: most of a 1M-entry sort.
    bool operator<(const Prefix& o) const { return std::memcmp(bytes.data(), o.bytes.data(), 18) < 0; }
    bool operator==(const Prefix& o) const { return std::memcmp(bytes.data(), o.bytes.data(), 18) == 0; }
  };
  // api::kDiffLists in order: its prefix lists, then the others (exemptions,
  // smtp_ports, submission_ports, thresholds, sampling, signatures).
  std::array<std::vector<Prefix>, api::kDiffPrefixLists> prefixes;
  std::array<std::vector<std::string>, api::kDiffListCount - api::kDiffPrefixLists> other;
  std::string mode;
};
std::shared_ptr<const PolicyKeys> KeysOf(const Policy& p);

// The counts of every list of api::kDiffLists, and the mode. `current` may
// be null (nothing loaded yet: every entry is added).
api::ctl::PolicyDiffCounts PolicyDiff(const Policy* current, const Policy& next);
api::ctl::PolicyDiffCounts PolicyDiff(const PolicyKeys* current, const PolicyKeys& next);

// Only the lists that changed (and the mode, when it did): the "changes" of
// every reply and of the audit log.
api::ctl::ListChanges ChangedLists(const api::ctl::PolicyDiffCounts& diff);

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_POLICY_DIFF_H_
