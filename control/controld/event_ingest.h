// The dataplane's SMTP events into controld: a thread that reads them by
// cursor over its own connection to the dataplane (`events.read`, so a
// policy load never waits behind it), hands each batch to the containment
// (stored, hits counted), and keeps the cursor in state_dir/events.cursor
// so a restarted controld goes on where it stopped (at least once: a crash
// between the store and the cursor's write stores that batch again). Every
// 5 s it also reads the dataplane's zombie table for the thresholds on
// blocked attempts and destinations, and every hour it applies the
// retention. Lines the dataplane dropped before they were read (its queue
// full: controld slow or away) are counted, never waited for.
#ifndef SPAMWALL_CONTROL_CONTROLD_EVENT_INGEST_H_
#define SPAMWALL_CONTROL_CONTROLD_EVENT_INGEST_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "control/controld/containment.h"
#include "control/controld/dataplane_link.h"
#include "control/controld/event_counters.h"

namespace spamwall::controld {

class EventIngest {
 public:
  struct Options {
    double poll_s = 0.25;        // between reads while nothing comes
    double zombies_every_s = 5;  // zombie table reads (0: never)
    double retention_days = 30;
    std::string cursor_path;     // "" : not kept across restarts
  };
  EventIngest(const std::string& dataplane_socket, Containment* containment, Options options);
  ~EventIngest() { Stop(); }
  void Start();
  void Stop();
  IngestCounters Counters() const;

 private:
  void Loop();
  // One events.read; true when it gave lines (read again at once).
  bool ReadOnce();
  void ReadZombies();
  void LoadCursor();
  void SaveCursor();

  DataplaneLink link_;
  Containment* containment_;
  const Options options_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::string stream_;  // the dataplane run the cursor belongs to
  uint64_t cursor_ = 0;
  mutable std::mutex counters_mu_;
  IngestCounters counters_;
};

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_EVENT_INGEST_H_
