#include "control/controld/thresholds.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "dataplane/core/prefix.h"

namespace spamwall::controld {

namespace {

// Windows as indexes since the epoch's civil hour or day (UTC), so that the
// entries compare and store them as plain integers.
const absl::CivilHour kEpochHour(1970);
const absl::CivilDay kEpochDay(1970);

int64_t HourIndex(absl::Time t) { return absl::ToCivilHour(t, absl::UTCTimeZone()) - kEpochHour; }
int64_t DayIndex(absl::Time t) { return absl::ToCivilDay(t, absl::UTCTimeZone()) - kEpochDay; }
absl::Time WindowStart(Window w, int64_t index) {
  return w == Window::kHour ? absl::FromCivil(kEpochHour + index, absl::UTCTimeZone())
                            : absl::FromCivil(kEpochDay + index, absl::UTCTimeZone());
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

// One text per address, whichever source wrote it: complaints may name
// "2001:DB8::1" or "::ffff:192.0.2.1" for what the dataplane calls
// "2001:db8::1" and "192.0.2.1".
std::string Canonical(std::string_view subscriber) {
  Prefix p;
  std::string error;
  if (!ParseAddress(subscriber, &p, &error)) return std::string(subscriber);
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (p.family == 6 && std::equal(kMapped, kMapped + 12, p.addr.begin()))
    return FormatAddress(4, p.addr.data() + 12);
  return FormatAddress(p.family, p.addr.data());
}

bool SameDefinition(const Threshold& a, const Threshold& b) {
  return a.name == b.name && a.metric == b.metric && a.window == b.window && a.limit == b.limit &&
         a.action == b.action;
}

}  // namespace

absl::StatusOr<Metric> MetricFromName(std::string_view name) {
  std::string allowed;
  for (size_t i = 0; i < kThresholdMetricNames.size(); i++) {
    if (kThresholdMetricNames[i] == name) return static_cast<Metric>(i);
    allowed += (i ? ", " : "") + std::string(kThresholdMetricNames[i]);
  }
  return absl::InvalidArgumentError("unknown metric '" + std::string(name) + "' (one of " + allowed + ")");
}

ThresholdTracker::ThresholdTracker(size_t max_subscribers)
    : max_subscribers_(std::clamp<size_t>(max_subscribers, 1, kNone)) {}

void ThresholdTracker::SetThresholds(std::vector<Threshold> thresholds) {
  std::vector<Active> next;
  for (Threshold& t : thresholds) {
    auto kept = std::find_if(thresholds_.begin(), thresholds_.end(),
                             [&](const Active& old) { return SameDefinition(old.def, t); });
    // A name given twice (the loader refuses it) must not share one's marks.
    bool reused = kept != thresholds_.end() &&
                  std::none_of(next.begin(), next.end(), [&](const Active& a) { return a.id == kept->id; });
    uint64_t id = reused ? kept->id : next_threshold_id_++;
    next.push_back({std::move(t), id});
  }
  thresholds_ = std::move(next);
}

std::vector<ThresholdCrossing> ThresholdTracker::Add(std::string_view subscriber, Metric m, uint64_t amount,
                                                     absl::Time at) {
  if (amount == 0) return {};
  return AddToSlot(Touch(Canonical(subscriber)), m, amount, at);
}

std::vector<ThresholdCrossing> ThresholdTracker::Observe(std::string_view subscriber, Metric m,
                                                         uint64_t cumulative, absl::Time at) {
  const uint32_t slot = Touch(Canonical(subscriber));
  PerMetric& pm = slots_[slot].metrics[static_cast<size_t>(m)];
  uint64_t increase = 0;
  if (pm.observed) increase = cumulative >= pm.cumulative ? cumulative - pm.cumulative : cumulative;
  pm.cumulative = cumulative;
  pm.observed = true;
  if (increase == 0) return {};
  return AddToSlot(slot, m, increase, at);
}

std::vector<ThresholdCrossing> ThresholdTracker::AddToSlot(uint32_t slot, Metric m, uint64_t amount,
                                                           absl::Time at) {
  Entry& e = slots_[slot];
  const int64_t hour = HourIndex(at), day = DayIndex(at);
  // A later window starts every metric of the entry from 0; an earlier one
  // (a late event) has ended, and its count is not kept.
  if (hour > e.hour) {
    e.hour = hour;
    for (PerMetric& pm : e.metrics) pm.hour = 0;
  }
  if (day > e.day) {
    e.day = day;
    for (PerMetric& pm : e.metrics) pm.day = 0;
  }
  const bool in_hour = hour == e.hour, in_day = day == e.day;
  PerMetric& pm = e.metrics[static_cast<size_t>(m)];
  if (in_hour) pm.hour = SaturatingAdd(pm.hour, amount);
  if (in_day) pm.day = SaturatingAdd(pm.day, amount);
  pm.last = std::max(pm.last, at);

  std::vector<ThresholdCrossing> crossings;
  for (const Active& t : thresholds_) {
    const bool hourly = t.def.window == Window::kHour;
    if (t.def.metric != m || !(hourly ? in_hour : in_day)) continue;
    const uint64_t value = hourly ? pm.hour : pm.day;
    const int64_t window = hourly ? hour : day;
    // At or past, not exactly at: one addition may jump over the limit, and a
    // threshold new in this policy fires for counts already past it.
    if (value < t.def.limit || Fired(e, t.id, window)) continue;
    MarkFired(e, t.id, window);
    crossings.push_back({t.def.name, e.subscriber, m, t.def.window, value, t.def.limit, t.def.action, at,
                         WindowStart(t.def.window, window)});
  }
  crossings_ += crossings.size();
  return crossings;
}

bool ThresholdTracker::Fired(const Entry& e, uint64_t threshold_id, int64_t window) const {
  return std::any_of(e.fired.begin(), e.fired.end(), [&](const FiredMark& f) {
    return f.threshold_id == threshold_id && f.window == window;
  });
}

void ThresholdTracker::MarkFired(Entry& e, uint64_t threshold_id, int64_t window) const {
  for (FiredMark& f : e.fired) {
    if (f.threshold_id == threshold_id) {
      f.window = window;
      return;
    }
  }
  // Marks of thresholds no longer in the policy go here, so an entry holds
  // at most one per threshold.
  std::erase_if(e.fired, [&](const FiredMark& f) {
    return std::none_of(thresholds_.begin(), thresholds_.end(),
                        [&](const Active& t) { return t.id == f.threshold_id; });
  });
  e.fired.push_back({threshold_id, window});
}

uint32_t ThresholdTracker::Touch(const std::string& subscriber) {
  if (auto it = slot_of_.find(subscriber); it != slot_of_.end()) {
    const uint32_t slot = it->second;
    if (slot != newest_) {
      Unlink(slot);
      PushNewest(slot);
    }
    return slot;
  }
  uint32_t slot;
  if (slots_.size() < max_subscribers_) {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = oldest_;
    Unlink(slot);
    slot_of_.erase(slots_[slot].subscriber);
    slots_[slot] = Entry{};
    evicted_++;
  }
  slots_[slot].subscriber = subscriber;
  slot_of_.emplace(subscriber, slot);
  PushNewest(slot);
  return slot;
}

void ThresholdTracker::Unlink(uint32_t slot) {
  Entry& e = slots_[slot];
  (e.newer == kNone ? newest_ : slots_[e.newer].older) = e.older;
  (e.older == kNone ? oldest_ : slots_[e.older].newer) = e.newer;
  e.newer = e.older = kNone;
}

void ThresholdTracker::PushNewest(uint32_t slot) {
  Entry& e = slots_[slot];
  e.older = newest_;
  e.newer = kNone;
  (newest_ == kNone ? oldest_ : slots_[newest_].newer) = slot;
  newest_ = slot;
}

uint64_t ThresholdTracker::Value(std::string_view subscriber, Metric m, Window w, absl::Time now) const {
  auto it = slot_of_.find(Canonical(subscriber));
  if (it == slot_of_.end()) return 0;
  const Entry& e = slots_[it->second];
  const PerMetric& pm = e.metrics[static_cast<size_t>(m)];
  if (w == Window::kHour) return e.hour == HourIndex(now) ? pm.hour : 0;
  return e.day == DayIndex(now) ? pm.day : 0;
}

std::vector<ThresholdTracker::Row> ThresholdTracker::Top(Metric m, size_t n, absl::Time now) const {
  const int64_t hour = HourIndex(now), day = DayIndex(now);
  struct Candidate {
    uint64_t day, hour;
    uint32_t slot;
  };
  std::vector<Candidate> candidates;
  for (uint32_t slot = 0; slot < slots_.size(); slot++) {
    const Entry& e = slots_[slot];
    const PerMetric& pm = e.metrics[static_cast<size_t>(m)];
    const uint64_t h = e.hour == hour ? pm.hour : 0, d = e.day == day ? pm.day : 0;
    if (h || d) candidates.push_back({d, h, slot});
  }
  // Names are compared only among equal counts, and copied only for the n kept.
  auto higher = [&](const Candidate& a, const Candidate& b) {
    if (a.day != b.day || a.hour != b.hour) return std::tie(a.day, a.hour) > std::tie(b.day, b.hour);
    return slots_[a.slot].subscriber < slots_[b.slot].subscriber;
  };
  n = std::min(n, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + n, candidates.end(), higher);
  std::vector<Row> rows;
  rows.reserve(n);
  for (size_t i = 0; i < n; i++) {
    const Entry& e = slots_[candidates[i].slot];
    rows.push_back({e.subscriber, candidates[i].hour, candidates[i].day,
                    e.metrics[static_cast<size_t>(m)].last});
  }
  return rows;
}

ThresholdTracker::Counters ThresholdTracker::counters() const {
  return {slot_of_.size(), evicted_, crossings_};
}

}  // namespace spamwall::controld
