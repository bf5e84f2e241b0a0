// The runtime overlay: quarantine entries, exemptions and a mode override the
// operators add with spamwallctl, kept in state_dir/overlay.json and merged
// into the policy file's lists on every compile. Entries are checked exactly
// as the policy file's are (prefix syntax, host bits, all four exemption
// fields, a real date not in the past).
#ifndef SPAMWALL_CONTROL_CONTROLD_OVERLAY_H_
#define SPAMWALL_CONTROL_CONTROLD_OVERLAY_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/policy/policy.h"

namespace spamwall::controld {

// Who made an overlay change (the peer's user) and when (ISO 8601 UTC):
// what an override's warning names. Empty in overlays saved before it.
struct ChangeOrigin {
  std::string by, at;
  bool operator==(const ChangeOrigin&) const = default;
};

struct OverlayExemption {
  std::string prefix;  // normalized (FormatPrefix)
  std::string owner;
  std::string reason;
  std::string expires;  // YYYY-MM-DD, last day it applies (UTC)
  ChangeOrigin added;
};

// A signature set pushed with `spamwallctl signatures push`: in force instead
// of the files the policy names, through every later push, until
// `signatures clear`. The texts are kept (as the generations keep the
// file's), so a restarted controld recompiles it without the client.
struct SignatureOverride {
  std::vector<Policy::SignatureFile> files;  // path as the client named it
  ChangeOrigin set;
  bool operator==(const SignatureOverride&) const = default;
};

struct Overlay {
  std::vector<std::string> quarantine;  // normalized prefixes
  std::vector<OverlayExemption> exemptions;
  std::optional<PolicyMode> mode;
  ChangeOrigin mode_set;                              // of `mode`
  std::map<std::string, ChangeOrigin> quarantine_added;  // by quarantine entry
  std::optional<SignatureOverride> signatures;

  bool operator==(const Overlay&) const = default;
};

inline bool operator==(const OverlayExemption& a, const OverlayExemption& b) {
  return a.prefix == b.prefix && a.owner == b.owner && a.reason == b.reason &&
         a.expires == b.expires;
}

// Checks an address or prefix for the quarantine; *normalized is its canonical text.
bool CheckQuarantineEntry(const std::string& text, std::string* normalized, std::string* error);

// One address or prefix per line of `text` (a bulk file; '#' comments,
// blank lines), each checked as CheckQuarantineEntry does: *out gets
// (line, normalized). False with one "name:line: message" per bad line in
// *errors (the first 100, then "and N more errors").
bool ParseEntryLines(const std::string& name, std::string_view text,
                     std::vector<std::pair<uint32_t, std::string>>* out,
                     std::vector<std::string>* errors);

// Checks every field; `today` refuses a date already past. Normalizes e->prefix.
bool CheckExemption(OverlayExemption* e, Day today, std::string* error);

// An exemption's state on `today` (UTC) by its last day: "expired",
// "expiring" (its last day is within the next 7 days, today included) or
// "active". exempt list and the Prometheus gauges count by it.
const char* ExemptionState(Day expires, Day today);

const char* ModeName(PolicyMode m);
bool ParseMode(const std::string& text, PolicyMode* m);

// `texts`: the signature override's file texts (what is saved); without,
// each file's path and size only (what replies carry).
nlohmann::json OverlayToJson(const Overlay& o, bool texts = true);
// Refuses (with the field named) an overlay file edited into something invalid.
bool OverlayFromJson(const nlohmann::json& j, Overlay* o, std::string* error);

// Missing file: an empty overlay. Any other problem (a link, not a regular
// file, bad JSON, an unknown key, a wrong type, another version) is refused
// with the file and the field named.
bool LoadOverlay(const std::string& path, Overlay* o, std::string* error);
bool SaveOverlay(const std::string& path, const Overlay& o, std::string* error);

// The policy file's model with the overlay appended to its lists (entries
// located at `overlay_name`), and the overlay's signature set, when it has
// one, in place of the file's. Exemptions past their date are kept: the
// compiler drops them with a warning, as it does the file's.
bool MergeOverlay(const Policy& base, const Overlay& o, const std::string& overlay_name,
                  Policy* out, std::string* error);

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_OVERLAY_H_
