#include "control/controld/policy_diff.h"

#include <algorithm>
#include <string>
#include <vector>

#include "control/controld/overlay.h"
#include "dataplane/core/prefix.h"

namespace spamwall::controld {

namespace {

using Keys = std::vector<std::string>;

Keys ListKeys(const Policy& p, const std::string& list) {
  Keys k;
  auto prefixes = [&](const std::vector<PrefixEntry>& v) {
    for (const auto& e : v) k.push_back(FormatPrefix(e.prefix));
  };
  auto ports = [&](const std::vector<PortEntry>& v) {
    for (const auto& e : v) k.push_back(std::to_string(e.port));
  };
  if (list == "consumer") prefixes(p.consumer);
  else if (list == "business") prefixes(p.business);
  else if (list == "internal") prefixes(p.internal);
  else if (list == "mx_servers") prefixes(p.mx_servers);
  else if (list == "authorized_relays") prefixes(p.authorized_relays);
  else if (list == "quarantine") prefixes(p.quarantine);
  else if (list == "smtp_ports") ports(p.smtp_ports);
  else if (list == "submission_ports") ports(p.submission_ports);
  else if (list == "exemptions")
    for (const auto& e : p.exemptions)
      k.push_back(FormatPrefix(e.prefix) + " " + e.owner + " " + e.expires_text);
  std::sort(k.begin(), k.end());
  k.erase(std::unique(k.begin(), k.end()), k.end());
  return k;
}

size_t CountMissing(const Keys& from, const Keys& in) {
  size_t n = 0;
  for (const auto& k : from)
    if (!std::binary_search(in.begin(), in.end(), k)) n++;
  return n;
}

}  // namespace

nlohmann::json PolicyDiff(const Policy* current, const Policy& next) {
  nlohmann::json d = nlohmann::json::object();
  for (const char* list : kDiffLists) {
    Keys now = current ? ListKeys(*current, list) : Keys{};
    Keys then = ListKeys(next, list);
    d[list] = {{"current", now.size()},
               {"new", then.size()},
               {"added", CountMissing(then, now)},
               {"removed", CountMissing(now, then)}};
  }
  d["mode"] = {{"current", current ? nlohmann::json(ModeName(current->mode)) : nlohmann::json(nullptr)},
               {"new", ModeName(next.mode)}};
  return d;
}

nlohmann::json ChangedLists(const nlohmann::json& diff) {
  nlohmann::json c = nlohmann::json::object();
  for (const char* list : kDiffLists) {
    if (!diff.contains(list)) continue;
    const auto& e = diff[list];
    if (e.value("added", 0) || e.value("removed", 0))
      c[list] = {{"added", e["added"]}, {"removed", e["removed"]}};
  }
  if (diff.contains("mode") && diff["mode"]["current"] != diff["mode"]["new"])
    c["mode"] = diff["mode"];
  return c;
}

}  // namespace spamwall::controld
