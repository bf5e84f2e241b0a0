// DPDK telemetry commands for the counters, so that dpdk-telemetry.py (or any
// client of the EAL's telemetry socket) can read them without controld:
//   /spamwall/stats        totals: packets, passed, drops and would-drops per reason, ...
//   /spamwall/ports        per port: rx, tx, dropped, tx_failed
//   /spamwall/workers      per worker: packets, passed, drops per reason
//   /spamwall/generations  per policy generation, newest (live) first, the newest 32:
//                          packets, passed, drops per reason; generations_known,
//                          generations_listed and truncated say what is left out
//   /spamwall/policy       the live policy: generation, mode, source, counts per list
// The answers are built from the same JSON as the control socket's `stats`.
#ifndef SPAMWALL_DATAPLANE_APP_TELEMETRY_H_
#define SPAMWALL_DATAPLANE_APP_TELEMETRY_H_

#include <functional>

#include <nlohmann/json.hpp>

#include "dataplane/app/generation_publisher.h"

namespace spamwall {

// Registers the commands (once per process; DPDK keeps them until exit) and
// points them at this run's counters. Call EndTelemetry before those go away.
void StartTelemetry(std::function<nlohmann::json()> stats, GenerationPublisher* publisher);
void EndTelemetry();

// StartTelemetry for a scope: EndTelemetry on every way out of it.
class TelemetryScope {
 public:
  TelemetryScope(std::function<nlohmann::json()> stats, GenerationPublisher* publisher) {
    StartTelemetry(std::move(stats), publisher);
  }
  ~TelemetryScope() { End(); }
  TelemetryScope(const TelemetryScope&) = delete;
  TelemetryScope& operator=(const TelemetryScope&) = delete;
  void End() {
    if (active_) EndTelemetry();
    active_ = false;
  }

 private:
  bool active_ = true;
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_TELEMETRY_H_
