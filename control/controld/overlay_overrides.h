// Where the runtime overlay makes the running policy differ from what an
// operator reading the policy file would believe: a mode override that
// differs from the file's mode, and overlay entries that overlap the file's
// quarantine or exemptions (an overlay quarantine that stops a subscriber the
// file exempts, or keeps one quarantined that the file no longer lists; an
// overlay exemption that keeps port 25 open for a file exemption after it is
// deleted or expires, or that a file quarantine makes moot). Each names who
// made the overlay change and when. policy check and push warn with them,
// policy show lists them.
#ifndef SPAMWALL_CONTROL_CONTROLD_OVERLAY_OVERRIDES_H_
#define SPAMWALL_CONTROL_CONTROLD_OVERLAY_OVERRIDES_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/controld/overlay.h"
#include "control/policy/policy.h"
#include "ipc/api/controld_results.h"

namespace spamwall::controld {

struct Override {
  std::string kind;   // "mode", "signatures", "quarantine" or "exemption"
  std::string entry;  // the overlay's value: "monitor", "100.64.1.1/32"
  std::string text;   // the warning, complete
  ChangeOrigin origin;
};

// At most `max` overrides (the rest counted in *more, when given).
std::vector<Override> OverlayOverrides(const Policy& file, const Overlay& o, size_t max = 50,
                                       size_t* more = nullptr);

// The warnings of OverlayOverrides, "and N more" last.
std::vector<std::string> OverrideWarnings(const Policy& file, const Overlay& o);

// As policy.show answers them.
std::vector<api::ctl::OverrideInfo> OverrideInfos(const std::vector<Override>& v);

// "by alice at 2026-12-02T10:00:00Z" ("by an earlier controld" when unknown).
std::string OriginText(const ChangeOrigin& c);

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_OVERLAY_OVERRIDES_H_
