// The Prometheus text exposition (format 0.0.4) of the dataplane's stats and
// controld's own counters, rendered from the sampler's last sample so that a
// scrape never reaches the dataplane.
#ifndef SPAMWALL_CONTROL_CONTROLD_METRICS_H_
#define SPAMWALL_CONTROL_CONTROLD_METRICS_H_

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "control/controld/event_counters.h"

namespace spamwall::controld {

struct ControldCounters {
  std::map<std::string, uint64_t> pushes;  // result ("ok", "refused", "unavailable") -> count
  double last_push_seconds = 0;
  uint64_t generation = 0;
  // The live generation's exemptions (file and overlay) by state today (UTC):
  // active (expiring within 7 days included), expiring within 7 days, expired.
  uint64_t exemptions_active = 0, exemptions_expiring_7d = 0, exemptions_expired = 0;
  bool mode_override = false;  // a runtime mode differs from the file's
};

// The SMTP events and the thresholds (event_counters.h).
std::string RenderEventMetrics(const IngestCounters& i, const ContainmentCounters& c);

// `stats` is the dataplane's stats result (null when it is down: spamwall_up 0
// and no dataplane series).
std::string RenderMetrics(const nlohmann::json& stats, double packets_per_s,
                          const ControldCounters& c);

// A label value escaped as the format requires (\\, \", \n).
std::string EscapeLabel(const std::string& v);

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_METRICS_H_
