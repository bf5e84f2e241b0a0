// The policy's `thresholds:` applied: per subscriber and metric, counts in
// the current UTC civil hour and day, and the thresholds each addition makes
// reach their limit (docs/policy.md). controld feeds it what it learns (the
// dataplane's zombie counters, complaints, signature hits) and acts on what
// it returns; the dataplane never sees a threshold.
//
// Not thread-safe: controld calls it under its own mutex.
//
// Memory is bounded: at most max_subscribers entries, taken as they come
// (about 320 bytes each: some 330 MB at the default 1 << 20, full); when
// full, the least recently updated subscriber is forgotten
// (counters().evicted), in O(1) by an LRU list over the entry slots.
#ifndef SPAMWALL_CONTROL_CONTROLD_THRESHOLDS_H_
#define SPAMWALL_CONTROL_CONTROLD_THRESHOLDS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "control/policy/policy.h"

namespace spamwall::controld {

using Metric = ThresholdMetric;
using Window = ThresholdWindow;
using Action = ThresholdAction;

// The policy's spelling ("complaints") to the enum; InvalidArgument naming
// the allowed ones otherwise. For commands that take a metric by name.
absl::StatusOr<Metric> MetricFromName(std::string_view name);

struct ThresholdCrossing {
  std::string threshold;   // its name
  std::string subscriber;  // canonical address text (see Add)
  Metric metric;
  Window window;
  uint64_t value, limit;  // value: the count in the window, >= limit
  Action action;
  absl::Time at;            // of the addition that reached it
  absl::Time window_start;  // the UTC hour or day it counts in
};

class ThresholdTracker {
 public:
  explicit ThresholdTracker(size_t max_subscribers = 1 << 20);

  // A new policy's thresholds. Counts are kept; a threshold keeps its
  // "fired" marks when one of the same name had the same metric, window,
  // limit and action (otherwise it may fire again in the current window).
  void SetThresholds(std::vector<Threshold> thresholds);

  // Adds `amount` to the subscriber's metric in the hour and the day that
  // contain `at`, and returns the thresholds on that metric whose window
  // count is now at or past the limit and that have not fired for this
  // subscriber in that window (each fires at most once per subscriber and
  // window). A window the subscriber has already moved past (an `at` older
  // than its latest) is not counted. An address ("2001:DB8::1",
  // "::ffff:192.0.2.1") is keyed by its canonical text ("2001:db8::1",
  // "192.0.2.1"), so every source of events counts it once; other text is
  // kept as written. amount 0 changes nothing.
  std::vector<ThresholdCrossing> Add(std::string_view subscriber, Metric m, uint64_t amount, absl::Time at);

  // For the dataplane's cumulative counters (blocked attempts, distinct
  // destinations of its zombie table): the value now. Adds the increase
  // over the last value seen for this subscriber and metric; a lower value
  // means the dataplane restarted (or dropped the entry), so the value
  // itself is the increase. The first value seen is only the baseline: a
  // controld restart, or an evicted subscriber seen again, must not count
  // a dataplane's whole history into the current window.
  std::vector<ThresholdCrossing> Observe(std::string_view subscriber, Metric m, uint64_t cumulative,
                                         absl::Time at);

  // The subscriber's count of m in the window w that contains `now`; 0 for
  // a window that ended or a subscriber not tracked.
  uint64_t Value(std::string_view subscriber, Metric m, Window w, absl::Time now) const;

  struct Row {
    std::string subscriber;
    uint64_t hour, day;  // the counts in the hour and the day of `now`
    absl::Time last;     // the last addition to this metric
  };
  // The n subscribers highest by current-day count, then hour count (then
  // by name, for a stable order); windows that ended count 0 and
  // subscribers with nothing in either window are left out.
  std::vector<Row> Top(Metric m, size_t n, absl::Time now) const;

  struct Counters {
    uint64_t subscribers;  // gauge: entries in use
    uint64_t evicted;      // entries forgotten for room
    uint64_t crossings;    // every ThresholdCrossing returned
  };
  Counters counters() const;

 private:
  static constexpr size_t kMetrics = kThresholdMetricNames.size();
  static constexpr uint32_t kNone = UINT32_MAX;

  struct Active {
    Threshold def;
    uint64_t id;  // what fired marks refer to; kept while the definition is
  };
  struct FiredMark {
    uint64_t threshold_id;
    int64_t window;  // the index of the hour or day it fired in
  };
  struct PerMetric {
    uint64_t hour = 0, day = 0;  // counts in the entry's hour and day
    uint64_t cumulative = 0;     // Observe's last value
    bool observed = false;       // cumulative holds one
    absl::Time last = absl::InfinitePast();
  };
  struct Entry {
    std::string subscriber;
    int64_t hour = INT64_MIN, day = INT64_MIN;  // the windows the counts are in
    std::array<PerMetric, kMetrics> metrics;
    std::vector<FiredMark> fired;
    uint32_t newer = kNone, older = kNone;  // the LRU list
  };

  uint32_t Touch(const std::string& subscriber);  // its slot, made or reused, now the newest
  void Unlink(uint32_t slot);
  void PushNewest(uint32_t slot);
  std::vector<ThresholdCrossing> AddToSlot(uint32_t slot, Metric m, uint64_t amount, absl::Time at);
  bool Fired(const Entry& e, uint64_t threshold_id, int64_t window) const;
  void MarkFired(Entry& e, uint64_t threshold_id, int64_t window) const;

  size_t max_subscribers_;
  std::vector<Active> thresholds_;
  uint64_t next_threshold_id_ = 0;
  absl::flat_hash_map<std::string, uint32_t> slot_of_;
  std::vector<Entry> slots_;
  uint32_t newest_ = kNone, oldest_ = kNone;
  uint64_t evicted_ = 0, crossings_ = 0;
};

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_THRESHOLDS_H_
