// The counters of the event ingest (event_ingest.h) and the containment
// (containment.h), plain structs so that /metrics (metrics.h) renders them
// without either class.
#ifndef SPAMWALL_CONTROL_CONTROLD_EVENT_COUNTERS_H_
#define SPAMWALL_CONTROL_CONTROLD_EVENT_COUNTERS_H_

#include <cstdint>
#include <map>
#include <string>

namespace spamwall::controld {

struct IngestCounters {
  uint64_t events = 0;          // lines read and handed over
  uint64_t missed = 0;          // lines the dataplane dropped before controld read them
  uint64_t bad_lines = 0;       // lines that were not a JSON object
  uint64_t store_failures = 0;  // batches the store refused (kept and retried)
  bool connected = false;
};

struct ContainmentCounters {
  uint64_t complaints = 0, complaints_unresolved = 0;
  uint64_t signature_hits = 0;  // hits counted from message events
  // threshold name -> action -> crossings
  std::map<std::string, std::map<std::string, uint64_t>> crossings;
  uint64_t quarantines_failed = 0;
  uint64_t store_errors = 0;
  uint64_t tracked_subscribers = 0, tracked_evicted = 0;
};

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_EVENT_COUNTERS_H_
