#include "control/controld/overlay.h"

#include "dataplane/core/huge_page_hint.h"

#include "control/controld/atomic_file.h"
#include "control/policy/policy_loader.h"
#include "dataplane/core/prefix.h"

namespace spamwall::controld {

bool CheckQuarantineEntry(const std::string& text, std::string* normalized, std::string* error) {
  Prefix p;
  std::string why;
  if (text.empty()) {
    *error = "quarantine: an address or prefix is required";
    return false;
  }
  if (!ParsePrefix(text, &p, &why)) {
    *error = "quarantine: " + why;
    return false;
  }
  *normalized = FormatPrefix(p);
  return true;
}

bool CheckExemption(OverlayExemption* e, Day today, std::string* error) {
  Prefix p;
  std::string why;
  if (e->prefix.empty()) {
    *error = "exemption: a prefix is required";
    return false;
  }
  if (!ParsePrefix(e->prefix, &p, &why)) {
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

const char* ModeName(PolicyMode m) { return m == PolicyMode::kMonitor ? "monitor" : "enforce"; }

bool ParseMode(const std::string& text, PolicyMode* m) {
  if (text == "enforce") *m = PolicyMode::kEnforce;
  else if (text == "monitor") *m = PolicyMode::kMonitor;
  else return false;
  return true;
}

nlohmann::json OverlayToJson(const Overlay& o) {
  nlohmann::json ex = nlohmann::json::array();
  for (const auto& e : o.exemptions)
    ex.push_back({{"prefix", e.prefix}, {"owner", e.owner}, {"reason", e.reason}, {"expires", e.expires}});
  return {{"version", 1},
          {"quarantine", o.quarantine},
          {"exemptions", ex},
          {"mode", o.mode ? nlohmann::json(ModeName(*o.mode)) : nlohmann::json(nullptr)}};
}

bool OverlayFromJson(const nlohmann::json& j, Overlay* o, std::string* error) {
  *o = Overlay{};
  if (!j.is_object()) {
    *error = "not a JSON object";
    return false;
  }
  if (j.contains("quarantine")) {
    if (!j["quarantine"].is_array()) {
      *error = "'quarantine' must be a list";
      return false;
    }
    for (const auto& q : j["quarantine"]) {
      std::string norm;
      if (!q.is_string() || !CheckQuarantineEntry(q.get<std::string>(), &norm, error)) {
        if (!q.is_string()) *error = "'quarantine' entries must be strings";
        return false;
      }
      o->quarantine.push_back(norm);
    }
  }
  if (j.contains("exemptions")) {
    if (!j["exemptions"].is_array()) {
      *error = "'exemptions' must be a list";
      return false;
    }
    for (const auto& x : j["exemptions"]) {
      if (!x.is_object()) {
        *error = "'exemptions' entries must be objects";
        return false;
      }
      OverlayExemption e{x.value("prefix", ""), x.value("owner", ""), x.value("reason", ""),
                         x.value("expires", "")};
      // An exemption that expired while stored is kept (the compiler drops it
      // with a warning); only a malformed one is refused.
      if (!CheckExemption(&e, Day{-1000000}, error)) return false;
      o->exemptions.push_back(e);
    }
  }
  if (j.contains("mode") && !j["mode"].is_null()) {
    PolicyMode m;
    if (!j["mode"].is_string() || !ParseMode(j["mode"].get<std::string>(), &m)) {
      *error = "'mode' must be \"enforce\", \"monitor\" or null";
      return false;
    }
    o->mode = m;
  }
  return true;
}

bool LoadOverlay(const std::string& path, Overlay* o, std::string* error) {
  std::string read_error;
  auto text = ReadWholeFile(path, &read_error);
  if (!text) {
    *o = Overlay{};
    *error = read_error;
    return read_error.empty();
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
  return true;
}

}  // namespace spamwall::controld
