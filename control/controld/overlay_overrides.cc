#include "control/controld/overlay_overrides.h"

#include <algorithm>
#include <tuple>

namespace spamwall::controld {

namespace {

bool KeyLess(const Prefix& a, const Prefix& b) {
  return std::tie(a.family, a.addr, a.length) < std::tie(b.family, b.addr, b.length);
}

// One list of the file, sorted, with each entry's text for messages.
class FileList {
 public:
  struct Entry {
    Prefix prefix;
    std::string note;  // " (owner x, expires y)" for an exemption
  };
  void Add(const Prefix& p, std::string note) { v_.push_back({p, std::move(note)}); }
  void Sort() {
    std::sort(v_.begin(), v_.end(), [](const Entry& a, const Entry& b) { return KeyLess(a.prefix, b.prefix); });
  }
  // The first entry that overlaps p (contains it or lies inside it).
  const Entry* Overlapping(const Prefix& p) const {
    for (int len = 0; len <= p.length; len++) {
      const Prefix t = Truncate(p, len);
      auto it = std::lower_bound(v_.begin(), v_.end(), t,
                                 [](const Entry& e, const Prefix& k) { return KeyLess(e.prefix, k); });
      if (it != v_.end() && it->prefix == t) return &*it;
    }
    Prefix after = p;
    after.length = static_cast<uint8_t>(p.length + 1);
    auto it = std::lower_bound(v_.begin(), v_.end(), after,
                               [](const Entry& e, const Prefix& k) { return KeyLess(e.prefix, k); });
    if (p.length < p.max_length() && it != v_.end() && p.Contains(it->prefix.addr.data(), it->prefix.family))
      return &*it;
    return nullptr;
  }
  bool empty() const { return v_.empty(); }

 private:
  std::vector<Entry> v_;
};

}  // namespace

std::string OriginText(const ChangeOrigin& c) {
  if (c.by.empty() && c.at.empty()) return "by an earlier controld (not recorded)";
  return "by " + c.by + " at " + c.at;
}

std::vector<Override> OverlayOverrides(const Policy& file, const Overlay& o, size_t max, size_t* more) {
  std::vector<Override> out;
  size_t extra = 0;
  auto add = [&](Override ov) {
    if (out.size() < max) out.push_back(std::move(ov));
    else extra++;
  };
  if (o.mode && *o.mode != file.mode)
    add({"mode", ModeName(*o.mode),
         std::string("mode: the file says ") + ModeName(file.mode) + ", but the runtime override '" +
             ModeName(*o.mode) + "' (set " + OriginText(o.mode_set) + ") is in force and stays after every push: "
             "`spamwallctl mode clear` returns to the file's mode",
         o.mode_set});
  if (o.signatures) {
    std::string pushed, named;
    for (const auto& f : o.signatures->files) pushed += (pushed.empty() ? "" : ", ") + f.path;
    for (const auto& f : file.signatures) named += (named.empty() ? "" : ", ") + f;
    add({"signatures", pushed,
         "signatures: the runtime set " + pushed + " (pushed " + OriginText(o.signatures->set) +
             ") is in force instead of the file's (" + (named.empty() ? "none" : named) +
             ") and stays after every push: `spamwallctl signatures clear` returns to the file's set",
         o.signatures->set});
  }
  FileList quarantine, exemptions;
  if (!o.quarantine.empty() || !o.exemptions.empty()) {
    for (const auto& e : file.quarantine) quarantine.Add(e.prefix, "");
    for (const auto& e : file.exemptions)
      exemptions.Add(e.prefix, " (owner " + e.owner + ", expires " + e.expires_text + ")");
    quarantine.Sort();
    exemptions.Sort();
  }
  for (const auto& q : o.quarantine) {
    if (quarantine.empty() && exemptions.empty()) break;
    Prefix p;
    std::string error;
    if (!ParsePrefix(q, &p, &error)) continue;  // checked when it was added
    auto it = o.quarantine_added.find(q);
    const ChangeOrigin origin = it == o.quarantine_added.end() ? ChangeOrigin{} : it->second;
    const std::string head = "runtime quarantine " + q + " (added " + OriginText(origin) + ")";
    if (const auto* e = exemptions.Overlapping(p))
      add({"quarantine", q,
           head + " stops the mail of the file's exemption " + FormatPrefix(e->prefix) + e->note +
               ": a quarantine wins over an exemption",
           origin});
    else if (const auto* f = quarantine.Overlapping(p))
      add({"quarantine", q,
           head + " overlaps the file's quarantine " + FormatPrefix(f->prefix) +
               ": removing it from the file does not release it (`spamwallctl quarantine del " + q + "`)",
           origin});
  }
  for (const auto& x : o.exemptions) {
    if (quarantine.empty() && exemptions.empty()) break;
    Prefix p;
    std::string error;
    if (!ParsePrefix(x.prefix, &p, &error)) continue;
    const std::string head = "runtime exemption " + x.prefix + " (owner " + x.owner + ", expires " + x.expires +
                             ", added " + OriginText(x.added) + ")";
    if (const auto* f = quarantine.Overlapping(p))
      add({"exemption", x.prefix,
           head + " overlaps the file's quarantine " + FormatPrefix(f->prefix) +
               ": the quarantine wins, so port 25 stays closed there",
           x.added});
    else if (const auto* e = exemptions.Overlapping(p))
      add({"exemption", x.prefix,
           head + " overlaps the file's exemption " + FormatPrefix(e->prefix) + e->note +
               ": deleting or expiring the file's entry does not close port 25 there while it stays "
               "(`spamwallctl exempt del " + x.prefix + "`)",
           x.added});
  }
  if (more) *more = extra;
  return out;
}

std::vector<std::string> OverrideWarnings(const Policy& file, const Overlay& o) {
  size_t more = 0;
  std::vector<std::string> w;
  for (const auto& ov : OverlayOverrides(file, o, 50, &more)) w.push_back(ov.text);
  if (more) w.push_back("and " + std::to_string(more) + " more runtime entries that overlap the file "
                        "(spamwallctl policy show)");
  return w;
}

std::vector<api::ctl::OverrideInfo> OverrideInfos(const std::vector<Override>& v) {
  std::vector<api::ctl::OverrideInfo> out;
  for (const auto& o : v) out.push_back({o.kind, o.entry, o.text, o.origin.by, o.origin.at});
  return out;
}

}  // namespace spamwall::controld
