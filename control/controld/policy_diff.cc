#include "control/controld/policy_diff.h"

#include <algorithm>
#include <functional>
#include <array>
#include <iterator>
#include <string>
#include <vector>

#include "control/controld/overlay.h"
#include "dataplane/core/prefix.h"

namespace spamwall::controld {

namespace {

template <typename T>
void SortUnique(std::vector<T>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

std::vector<PolicyKeys::Prefix> PrefixKeys(const std::vector<PrefixEntry>& list) {
  std::vector<PolicyKeys::Prefix> k(list.size());
  for (size_t i = 0; i < list.size(); i++) {
    k[i].bytes[0] = list[i].prefix.family;
    k[i].bytes[1] = list[i].prefix.length;
    std::copy(list[i].prefix.addr.begin(), list[i].prefix.addr.end(), k[i].bytes.begin() + 2);
  }
  SortUnique(&k);
  return k;
}

std::vector<std::string> PortKeys(const std::vector<PortEntry>& v) {
  std::vector<std::string> k;
  for (const auto& e : v) k.push_back(std::to_string(e.port));
  SortUnique(&k);
  return k;
}

// The counts of two sorted unique key lists.
template <typename T>
api::ctl::ListDiff Counts(const std::vector<T>& now, const std::vector<T>& then) {
  std::vector<T> common;
  std::set_intersection(now.begin(), now.end(), then.begin(), then.end(), std::back_inserter(common));
  return {now.size(), then.size(), then.size() - common.size(), now.size() - common.size()};
}

}  // namespace

std::shared_ptr<const PolicyKeys> KeysOf(const Policy& p) {
  auto k = std::make_shared<PolicyKeys>();
  // In the order of api::kDiffLists.
  const std::vector<PrefixEntry>* lists[] = {&p.consumer,   &p.business,          &p.internal,
                                             &p.mx_servers, &p.authorized_relays, &p.quarantine};
  static_assert(std::size(lists) == api::kDiffPrefixLists);
  for (size_t i = 0; i < api::kDiffPrefixLists; i++) k->prefixes[i] = PrefixKeys(*lists[i]);
  for (const auto& e : p.exemptions)
    k->other[0].push_back(FormatPrefix(e.prefix) + " " + e.owner + " " + e.expires_text);
  SortUnique(&k->other[0]);
  k->other[1] = PortKeys(p.smtp_ports);
  k->other[2] = PortKeys(p.submission_ports);
  for (const auto& t : p.thresholds)
    k->other[3].push_back(t.name + " " + std::string(NameOf(t.metric)) + "/" +
                          std::string(NameOf(t.window)) + " > " + std::to_string(t.limit) + " " +
                          std::string(NameOf(t.action)));
  SortUnique(&k->other[3]);
  if (p.smtp_flow_rate) k->other[4].push_back("smtp_flow_rate 1:" + std::to_string(p.smtp_flow_rate));
  for (const auto& w : p.sampling_watch) k->other[4].push_back("watch " + FormatPrefix(w.prefix));
  SortUnique(&k->other[4]);
  // A file by its path and its text: the same path with other signatures
  // is a change (one removed, one added).
  for (const auto& f : p.signature_files)
    k->other[5].push_back(f.path + " " + std::to_string(f.text.size()) + " bytes, hash " +
                          std::to_string(std::hash<std::string>{}(f.text)));
  SortUnique(&k->other[5]);
  k->mode = ModeName(p.mode);
  return k;
}

api::ctl::PolicyDiffCounts PolicyDiff(const PolicyKeys* current, const PolicyKeys& next) {
  static const PolicyKeys kNone;
  const PolicyKeys& now = current ? *current : kNone;
  api::ctl::PolicyDiffCounts d;
  // api::kDiffLists: the prefix lists, then the others.
  for (size_t i = 0; i < api::kDiffPrefixLists; i++)
    d.lists.emplace_back(api::kDiffLists[i], Counts(now.prefixes[i], next.prefixes[i]));
  for (size_t i = 0; i < now.other.size(); i++)
    d.lists.emplace_back(api::kDiffLists[api::kDiffPrefixLists + i], Counts(now.other[i], next.other[i]));
  if (current) d.mode.current = now.mode;
  d.mode.next = next.mode;
  return d;
}

api::ctl::PolicyDiffCounts PolicyDiff(const Policy* current, const Policy& next) {
  return PolicyDiff(current ? KeysOf(*current).get() : nullptr, *KeysOf(next));
}

api::ctl::ListChanges ChangedLists(const api::ctl::PolicyDiffCounts& diff) {
  api::ctl::ListChanges c;
  for (const auto& [list, n] : diff.lists)
    if (n.added || n.removed) c.lists.push_back({list, {n.added, n.removed}});
  if (diff.mode.current != diff.mode.next) c.mode = diff.mode;
  return c;
}

}  // namespace spamwall::controld
