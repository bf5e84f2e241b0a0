// Zombie containment in controld: the event store behind `whois`,
// `events`, `complaint` and `top zombies`, and the policy's thresholds
// applied to what the dataplane reports (signature hits in its message
// events, the blocked attempts and destinations of its zombie table) and to
// the complaints operators feed in. A threshold reached writes an alert
// event, counts it for /metrics and, for `action: quarantine`, asks the
// controller to quarantine the subscriber through the runtime overlay
// (Actions::quarantine), which audits it naming the threshold.
// Thread-safe: the event ingest thread and the command handlers call it.
#ifndef SPAMWALL_CONTROL_CONTROLD_CONTAINMENT_H_
#define SPAMWALL_CONTROL_CONTROLD_CONTAINMENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "control/controld/dataplane_link.h"
#include "control/controld/event_counters.h"
#include "control/controld/thresholds.h"
#include "control/events/event_store.h"
#include "ipc/server.h"

namespace spamwall::controld {

class Containment {
 public:
  struct Actions {
    // Quarantines c.subscriber (the controller's overlay, audited); an error
    // says why it could not.
    std::function<absl::Status(const ThresholdCrossing& c)> quarantine;
    // Whether the address is in the runtime quarantine already.
    std::function<bool(const std::string& subscriber)> quarantined;
  };

  // `store` may be null (events: off, or it could not be opened: why_no_store).
  Containment(std::unique_ptr<events::EventStore> store, std::string why_no_store, Actions actions);

  // The live policy's thresholds (after every generation).
  void SetThresholds(std::vector<Threshold> thresholds);

  // From the event ingest: the dataplane's events, stored, and their
  // signature hits counted per subscriber.
  absl::Status OnEvents(const std::vector<nlohmann::json>& events);
  // The dataplane's zombie table rows (zombies.top): cumulative attempts
  // and destinations per subscriber.
  void OnZombieRows(const nlohmann::json& rows);
  // Hourly: events past the retention deleted.
  void Prune(double older_than);

  // The commands (docs/control-protocol.md).
  proto::Reply Whois(const proto::Request& r);
  proto::Reply EventsQuery(const proto::Request& r);
  proto::Reply Complaint(const proto::Request& r);
  proto::Reply TopZombies(const proto::Request& r, DataplaneLink* link);

  ContainmentCounters Counters() const;
  events::EventStore* store() { return store_.get(); }

 private:
  // Alert events, counters and actions for what crossed (no lock held).
  std::vector<nlohmann::json> Apply(const std::vector<ThresholdCrossing>& crossed);
  proto::Reply NoStore() const;

  std::unique_ptr<events::EventStore> store_;
  const std::string why_no_store_;
  const Actions actions_;
  mutable std::mutex mu_;  // the tracker and the counters
  ThresholdTracker tracker_;
  ContainmentCounters counters_;
};

// A crossing as the alert event (type threshold_alert) stores it.
nlohmann::json AlertEvent(const ThresholdCrossing& c);

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_CONTAINMENT_H_
