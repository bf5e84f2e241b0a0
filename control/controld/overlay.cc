#include "control/controld/overlay.h"

#include <algorithm>
#include <initializer_list>

#include "dataplane/core/huge_page_hint.h"

#include "control/controld/atomic_file.h"
#include "control/policy/ipv4_in_ipv6.h"
#include "control/policy/list_lines.h"
#include "control/policy/policy_loader.h"
#include "dataplane/core/prefix.h"
#include "ipc/api/controld_api.h"
#include "ipc/regular_file.h"

namespace spamwall::controld {

namespace {

bool CheckPrefix(const std::string& text, Prefix* p, std::string* error) {
  std::string why;
  if (!ParsePrefix(text, p, &why)) {
    *error = api::ctl::Printable(why);
    return false;
  }
  return RefuseIpv4InIpv6(*p, error);
}

}  // namespace

bool CheckQuarantineEntry(const std::string& text, std::string* normalized, std::string* error) {
  Prefix p;
  std::string why;
  if (text.empty()) {
    *error = "quarantine: an address or prefix is required";
    return false;
  }
  if (!CheckPrefix(text, &p, &why)) {
    *error = "quarantine: " + why;
    return false;
  }
  *normalized = FormatPrefix(p);
  return true;
}

bool ParseEntryLines(const std::string& name, std::string_view text,
                     std::vector<std::pair<uint32_t, std::string>>* out,
                     std::vector<std::string>* errors) {
  constexpr size_t kMaxErrors = 100;
  size_t dropped = 0;
  bool too_many = false;
  ForEachListEntry(text, [&](uint32_t lineno, std::string_view s) {
    if (out->size() == api::ctl::kMaxBulkEntries) {
      errors->push_back(name + ":" + std::to_string(lineno) + ": more than " +
                        std::to_string(api::ctl::kMaxBulkEntries) + " entries in one file");
      too_many = true;
      return false;
    }
    std::string error;
    Prefix p;
    if (s.size() > api::ctl::kMaxAddrBytes || !CheckPrefix(std::string(s), &p, &error)) {
      if (error.empty()) error = "'" + api::ctl::Printable(s, 64) + "' is not an address or prefix";
      if (errors->size() < kMaxErrors)
        errors->push_back(name + ":" + std::to_string(lineno) + ": " + error);
      else
        dropped++;
      return true;
    }
    out->emplace_back(lineno, FormatPrefix(p));
    return true;
  });
  if (too_many) return false;
  if (dropped > 0) errors->push_back("and " + std::to_string(dropped) + " more errors");
  return errors->empty();
}

bool CheckExemption(OverlayExemption* e, Day today, std::string* error) {
  Prefix p;
  std::string why;
  if (e->prefix.empty()) {
    *error = "exemption: a prefix is required";
    return false;
  }
  if (!CheckPrefix(e->prefix, &p, &why)) {
    *error = "exemption: " + why;
    return false;
  }
  e->prefix = FormatPrefix(p);
  if (e->owner.empty() || e->reason.empty() || e->expires.empty()) {
    *error = "exemption " + e->prefix + ": owner, reason and expires (YYYY-MM-DD) are all required";
    return false;
  }
  Day d;
  if (!ParseDay(e->expires, &d)) {
    *error = "exemption " + e->prefix + ": expires '" + e->expires + "' is not a date (YYYY-MM-DD)";
    return false;
  }
  if (d < today) {
    *error = "exemption " + e->prefix + ": expires " + e->expires + " is in the past";
    return false;
  }
  return true;
}

const char* ExemptionState(Day expires, Day today) {
  return expires < today ? "expired" : expires - today < 7 ? "expiring" : "active";
}

const char* ModeName(PolicyMode m) { return m == PolicyMode::kMonitor ? "monitor" : "enforce"; }

bool ParseMode(const std::string& text, PolicyMode* m) {
  if (text == "enforce") *m = PolicyMode::kEnforce;
  else if (text == "monitor") *m = PolicyMode::kMonitor;
  else return false;
  return true;
}

nlohmann::json OverlayToJson(const Overlay& o, bool texts) {
  auto origin = [](const ChangeOrigin& c) { return nlohmann::json{{"by", c.by}, {"at", c.at}}; };
  nlohmann::json sigs = nullptr;
  if (o.signatures) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : o.signatures->files)
      files.push_back(texts ? nlohmann::json{{"path", f.path}, {"text", f.text}}
                            : nlohmann::json{{"path", f.path}, {"bytes", f.text.size()}});
    sigs = {{"files", files}, {"set", origin(o.signatures->set)}};
  }
  nlohmann::json ex = nlohmann::json::array();
  for (const auto& e : o.exemptions)
    ex.push_back({{"prefix", e.prefix}, {"owner", e.owner}, {"reason", e.reason}, {"expires", e.expires},
                  {"added", origin(e.added)}});
  nlohmann::json added = nlohmann::json::object();
  for (const auto& [q, c] : o.quarantine_added) added[q] = origin(c);
  return {{"version", 1},
          {"quarantine", o.quarantine},
          {"quarantine_added", added},
          {"exemptions", ex},
          {"mode", o.mode ? nlohmann::json(ModeName(*o.mode)) : nlohmann::json(nullptr)},
          {"mode_set", origin(o.mode_set)},
          {"signatures", sigs}};
}

namespace {

// Refuses keys other than `known` (a hand edit with a typo would otherwise be
// erased by the next save).
bool OnlyKeys(const nlohmann::json& j, const std::string& where, std::initializer_list<const char*> known,
              std::string* error) {
  if (const std::string* k = api::ctl::UnknownKey(j, known)) {
    *error = where + "unknown key '" + api::ctl::Printable(*k, 64) + "'";
    return false;
  }
  return true;
}

bool StringField(const nlohmann::json& j, const char* key, const std::string& where, std::string* out,
                 std::string* error) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    *error = where + key + ": " + (it == j.end() ? "missing" : std::string("must be a string, not ") + it->type_name());
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

// {"by": "...", "at": "..."} (absent: unknown, as overlays saved before it).
bool OriginField(const nlohmann::json& j, const char* key, const std::string& where, ChangeOrigin* out,
                 std::string* error) {
  auto it = j.find(key);
  if (it == j.end()) return true;
  const std::string at = where + key + ".";
  if (!it->is_object()) {
    *error = where + key + ": must be an object {by, at}";
    return false;
  }
  return OnlyKeys(*it, at, {"by", "at"}, error) && StringField(*it, "by", at, &out->by, error) &&
         StringField(*it, "at", at, &out->at, error);
}

}  // namespace

bool OverlayFromJson(const nlohmann::json& j, Overlay* o, std::string* error) {
  *o = Overlay{};
  if (!j.is_object()) {
    *error = "not a JSON object";
    return false;
  }
  if (!OnlyKeys(j, "", {"version", "quarantine", "quarantine_added", "exemptions", "mode", "mode_set", "signatures"},
                error) ||
      !OriginField(j, "mode_set", "", &o->mode_set, error))
    return false;
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int64_t>() != 1) {
    *error = "version: must be 1 (this build reads overlay version 1)";
    return false;
  }
  if (j.contains("quarantine")) {
    if (!j["quarantine"].is_array()) {
      *error = "quarantine: must be a list";
      return false;
    }
    size_t i = 0;
    for (const auto& q : j["quarantine"]) {
      std::string norm;
      const std::string where = "quarantine[" + std::to_string(i++) + "]: ";
      if (!q.is_string()) {
        *error = where + "must be a string, not " + q.type_name();
        return false;
      }
      if (!CheckQuarantineEntry(q.get<std::string>(), &norm, error)) {
        *error = where + *error;
        return false;
      }
      o->quarantine.push_back(norm);
    }
  }
  if (j.contains("quarantine_added")) {
    const nlohmann::json& a = j["quarantine_added"];
    if (!a.is_object()) {
      *error = "quarantine_added: must be an object {entry: {by, at}}";
      return false;
    }
    for (const auto& [q, _] : a.items()) {
      ChangeOrigin c;
      if (!OriginField(a, q.c_str(), "quarantine_added.", &c, error)) return false;
      if (std::find(o->quarantine.begin(), o->quarantine.end(), q) == o->quarantine.end()) {
        *error = "quarantine_added." + api::ctl::Printable(q, 64) + ": not in the quarantine";
        return false;
      }
      o->quarantine_added[q] = c;
    }
  }
  if (j.contains("exemptions")) {
    if (!j["exemptions"].is_array()) {
      *error = "exemptions: must be a list";
      return false;
    }
    size_t i = 0;
    for (const auto& x : j["exemptions"]) {
      const std::string where = "exemptions[" + std::to_string(i++) + "].";
      if (!x.is_object()) {
        *error = where.substr(0, where.size() - 1) + ": must be an object";
        return false;
      }
      OverlayExemption e;
      if (!OnlyKeys(x, where, {"prefix", "owner", "reason", "expires", "added"}, error) ||
          !OriginField(x, "added", where, &e.added, error) ||
          !StringField(x, "prefix", where, &e.prefix, error) || !StringField(x, "owner", where, &e.owner, error) ||
          !StringField(x, "reason", where, &e.reason, error) ||
          !StringField(x, "expires", where, &e.expires, error))
        return false;
      // An exemption that expired while stored is kept (the compiler drops it
      // with a warning); only a malformed one is refused.
      if (!CheckExemption(&e, Day{-1000000}, error)) {
        *error = where.substr(0, where.size() - 1) + ": " + *error;
        return false;
      }
      o->exemptions.push_back(e);
    }
  }
  if (j.contains("mode") && !j["mode"].is_null()) {
    PolicyMode m;
    if (!j["mode"].is_string() || !ParseMode(j["mode"].get<std::string>(), &m)) {
      *error = "mode: must be \"enforce\", \"monitor\" or null";
      return false;
    }
    o->mode = m;
  }
  if (j.contains("signatures") && !j["signatures"].is_null()) {
    const nlohmann::json& s = j["signatures"];
    SignatureOverride so;
    if (!s.is_object()) {
      *error = "signatures: must be an object {files, set} or null";
      return false;
    }
    if (!OnlyKeys(s, "signatures.", {"files", "set"}, error) || !OriginField(s, "set", "signatures.", &so.set, error))
      return false;
    if (!s.contains("files") || !s["files"].is_array() || s["files"].empty()) {
      *error = "signatures.files: must be a non-empty list";
      return false;
    }
    size_t i = 0;
    for (const auto& f : s["files"]) {
      const std::string where = "signatures.files[" + std::to_string(i++) + "].";
      Policy::SignatureFile file;
      if (!f.is_object()) {
        *error = where.substr(0, where.size() - 1) + ": must be an object {path, text}";
        return false;
      }
      if (!OnlyKeys(f, where, {"path", "text"}, error) || !StringField(f, "path", where, &file.path, error) ||
          !StringField(f, "text", where, &file.text, error))
        return false;
      so.files.push_back(std::move(file));
    }
    o->signatures = std::move(so);
  }
  return true;
}

bool LoadOverlay(const std::string& path, Overlay* o, std::string* error) {
  *o = Overlay{};
  proto::ReadFileOptions opts;
  opts.max_bytes = size_t{256} << 20;
  opts.follow_links = false;
  bool missing = false;
  auto text = proto::ReadRegularFile(path, opts, error, &missing);
  if (!text) {
    if (missing) error->clear();
    return missing;
  }
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  std::string why;
  if (j.is_discarded()) {
    *error = path + ": not valid JSON";
    return false;
  }
  if (!OverlayFromJson(j, o, &why)) {
    *error = path + ": " + why;
    return false;
  }
  return true;
}

bool SaveOverlay(const std::string& path, const Overlay& o, std::string* error) {
  return AtomicWriteFile(path, OverlayToJson(o).dump(2) + "\n", error);
}

bool MergeOverlay(const Policy& base, const Overlay& o, const std::string& overlay_name,
                  Policy* out, std::string* error) {
  // The big prefix lists are copied into buffers advised for huge pages: on
  // the VMs this runs on a 4 KiB page fault costs ~10 us, and 1M entries
  // copied page by page cost more than the copy.
  auto copy_list = [](const std::vector<PrefixEntry>& from, std::vector<PrefixEntry>* to) {
    to->clear();
    to->reserve(from.size() + 64);
    HugePageHintCapacity(*to);
    to->insert(to->end(), from.begin(), from.end());
  };
  Policy& m = *out;
  m.version = base.version;
  m.mode = base.mode;
  copy_list(base.consumer, &m.consumer);
  copy_list(base.business, &m.business);
  copy_list(base.internal, &m.internal);
  copy_list(base.mx_servers, &m.mx_servers);
  copy_list(base.authorized_relays, &m.authorized_relays);
  copy_list(base.quarantine, &m.quarantine);
  m.smtp_ports = base.smtp_ports;
  m.submission_ports = base.submission_ports;
  m.never_block_tcp = base.never_block_tcp;
  m.never_block_udp = base.never_block_udp;
  m.exemptions = base.exemptions;
  m.smtp_flow_rate = base.smtp_flow_rate;
  copy_list(base.sampling_watch, &m.sampling_watch);
  m.signatures = base.signatures;
  m.thresholds = base.thresholds;
  m.signature_files = base.signature_files;  // what the signature database is compiled from
  m.files = base.files;
  SourceLoc loc{static_cast<uint32_t>(out->files.size()), 0, 0};
  out->files.push_back(overlay_name);
  for (const auto& q : o.quarantine) {
    PrefixEntry e;
    if (!ParsePrefix(q, &e.prefix, error)) return false;
    e.loc = loc;
    out->quarantine.push_back(e);
  }
  for (const auto& x : o.exemptions) {
    Exemption e;
    if (!ParsePrefix(x.prefix, &e.prefix, error) || !ParseDay(x.expires, &e.expires)) {
      if (error->empty()) *error = "exemption " + x.prefix + ": bad date " + x.expires;
      return false;
    }
    e.owner = x.owner;
    e.reason = x.reason;
    e.expires_text = x.expires;
    e.loc = loc;
    out->exemptions.push_back(e);
  }
  if (o.mode) out->mode = *o.mode;
  if (o.signatures) {
    out->signatures.clear();
    for (const auto& f : o.signatures->files) out->signatures.push_back(f.path);
    out->signature_files = o.signatures->files;
  }
  return true;
}

}  // namespace spamwall::controld
