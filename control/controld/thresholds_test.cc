#include "control/controld/thresholds.h"

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"

namespace spamwall::controld {
namespace {

absl::Time At(int day, int hour, int minute = 0, int second = 0) {
  return absl::FromCivil(absl::CivilSecond(2024, 3, day, hour, minute, second), absl::UTCTimeZone());
}

Threshold T(std::string name, Metric m, Window w, uint64_t limit, Action a = Action::kAlert) {
  return {std::move(name), m, w, limit, a, {}};
}

std::vector<std::string> Names(const std::vector<ThresholdCrossing>& c) {
  std::vector<std::string> out;
  for (const auto& x : c) out.push_back(x.threshold);
  return out;
}

TEST(ThresholdTrackerTest, CrossesAtTheLimitOncePerWindow) {
  ThresholdTracker t;
  t.SetThresholds({T("complaint-quarantine", Metric::kComplaints, Window::kDay, 3, Action::kQuarantine)});
  EXPECT_TRUE(t.Add("100.64.1.2", Metric::kComplaints, 1, At(10, 8)).empty());
  EXPECT_TRUE(t.Add("100.64.1.2", Metric::kComplaints, 1, At(10, 9)).empty());
  auto c = t.Add("100.64.1.2", Metric::kComplaints, 1, At(10, 13, 30));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].threshold, "complaint-quarantine");
  EXPECT_EQ(c[0].subscriber, "100.64.1.2");
  EXPECT_EQ(c[0].metric, Metric::kComplaints);
  EXPECT_EQ(c[0].window, Window::kDay);
  EXPECT_EQ(c[0].value, 3u);
  EXPECT_EQ(c[0].limit, 3u);
  EXPECT_EQ(c[0].action, Action::kQuarantine);
  EXPECT_EQ(c[0].at, At(10, 13, 30));
  EXPECT_EQ(c[0].window_start, At(10, 0));
  // Past the limit, the same day: already fired.
  EXPECT_TRUE(t.Add("100.64.1.2", Metric::kComplaints, 5, At(10, 14)).empty());
  // Another metric, another subscriber: their own counts.
  EXPECT_TRUE(t.Add("100.64.1.2", Metric::kSignatureHits, 9, At(10, 14)).empty());
  EXPECT_TRUE(t.Add("100.64.1.3", Metric::kComplaints, 2, At(10, 14)).empty());
  EXPECT_EQ(t.counters().crossings, 1u);
  EXPECT_EQ(t.counters().subscribers, 2u);
}

TEST(ThresholdTrackerTest, OneAdditionJumpingPastTheLimitFires) {
  ThresholdTracker t;
  t.SetThresholds({T("zombie", Metric::kBlockedAttempts, Window::kHour, 100)});
  auto c = t.Add("100.64.1.2", Metric::kBlockedAttempts, 250, At(10, 8));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].value, 250u);
  EXPECT_TRUE(t.Add("100.64.1.2", Metric::kBlockedAttempts, 0, At(10, 8)).empty());
}

TEST(ThresholdTrackerTest, NewUtcHourAndDayReset) {
  ThresholdTracker t;
  t.SetThresholds({T("hourly", Metric::kBlockedAttempts, Window::kHour, 2),
                   T("daily", Metric::kComplaints, Window::kDay, 2)});
  EXPECT_EQ(Names(t.Add("s", Metric::kBlockedAttempts, 2, At(10, 10, 59, 59))), std::vector<std::string>{"hourly"});
  EXPECT_TRUE(t.Add("s", Metric::kBlockedAttempts, 1, At(10, 11)).empty());  // 1 in the new hour
  auto c = t.Add("s", Metric::kBlockedAttempts, 1, At(10, 11, 30));
  ASSERT_EQ(Names(c), std::vector<std::string>{"hourly"});
  EXPECT_EQ(c[0].window_start, At(10, 11));

  EXPECT_EQ(Names(t.Add("s", Metric::kComplaints, 2, At(10, 23, 59, 59))), std::vector<std::string>{"daily"});
  EXPECT_TRUE(t.Add("s", Metric::kComplaints, 1, At(11, 0)).empty());  // midnight UTC: a new day
  EXPECT_EQ(Names(t.Add("s", Metric::kComplaints, 1, At(11, 0, 0, 1))), std::vector<std::string>{"daily"});
}

TEST(ThresholdTrackerTest, HourAndDayWindowsAreIndependent) {
  ThresholdTracker t;
  t.SetThresholds({T("hour5", Metric::kSignatureHits, Window::kHour, 5),
                   T("day8", Metric::kSignatureHits, Window::kDay, 8)});
  EXPECT_TRUE(t.Add("s", Metric::kSignatureHits, 4, At(10, 10)).empty());
  EXPECT_EQ(Names(t.Add("s", Metric::kSignatureHits, 4, At(10, 11))), std::vector<std::string>{"day8"});
  EXPECT_EQ(Names(t.Add("s", Metric::kSignatureHits, 1, At(10, 11, 30))), std::vector<std::string>{"hour5"});
  auto top = t.Top(Metric::kSignatureHits, 10, At(10, 11, 45));
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].hour, 5u);
  EXPECT_EQ(top[0].day, 9u);
  EXPECT_EQ(t.Value("s", Metric::kSignatureHits, Window::kHour, At(10, 11, 45)), 5u);
  EXPECT_EQ(t.Value("s", Metric::kSignatureHits, Window::kDay, At(10, 11, 45)), 9u);
  EXPECT_EQ(t.Value("s", Metric::kSignatureHits, Window::kHour, At(10, 12)), 0u);  // that hour ended
  EXPECT_EQ(t.Value("s", Metric::kComplaints, Window::kDay, At(10, 12)), 0u);
  EXPECT_EQ(t.Value("other", Metric::kSignatureHits, Window::kDay, At(10, 12)), 0u);
}

// An event stamped in an hour the subscriber has moved past counts in the
// day only: that hour has ended.
TEST(ThresholdTrackerTest, LateEventCountsOnlyInWindowsStillOpen) {
  ThresholdTracker t;
  t.SetThresholds({T("hour2", Metric::kComplaints, Window::kHour, 2), T("day2", Metric::kComplaints, Window::kDay, 2)});
  EXPECT_TRUE(t.Add("s", Metric::kComplaints, 1, At(10, 12)).empty());
  EXPECT_EQ(Names(t.Add("s", Metric::kComplaints, 1, At(10, 11))), std::vector<std::string>{"day2"});
  auto top = t.Top(Metric::kComplaints, 1, At(10, 12, 5));
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].hour, 1u);
  EXPECT_EQ(top[0].day, 2u);
  EXPECT_EQ(top[0].last, At(10, 12));
}

TEST(ThresholdTrackerTest, TwoThresholdsOnOneMetric) {
  ThresholdTracker t;
  t.SetThresholds({T("alert", Metric::kComplaints, Window::kDay, 2),
                   T("quarantine", Metric::kComplaints, Window::kDay, 5, Action::kQuarantine)});
  EXPECT_EQ(Names(t.Add("s", Metric::kComplaints, 2, At(10, 1))), std::vector<std::string>{"alert"});
  EXPECT_TRUE(t.Add("s", Metric::kComplaints, 2, At(10, 2)).empty());
  EXPECT_EQ(Names(t.Add("s", Metric::kComplaints, 1, At(10, 3))), std::vector<std::string>{"quarantine"});
  // Both at once, in the policy's order.
  EXPECT_EQ(Names(t.Add("u", Metric::kComplaints, 7, At(10, 3))), (std::vector<std::string>{"alert", "quarantine"}));
  EXPECT_EQ(t.counters().crossings, 4u);
}

TEST(ThresholdTrackerTest, ObserveAddsIncreasesAndSurvivesRestarts) {
  ThresholdTracker t;
  t.SetThresholds({T("zombie", Metric::kBlockedAttempts, Window::kDay, 5)});
  // The first value is the baseline: the dataplane's history is not today's.
  EXPECT_TRUE(t.Observe("s", Metric::kBlockedAttempts, 1000, At(10, 1)).empty());
  EXPECT_TRUE(t.Top(Metric::kBlockedAttempts, 10, At(10, 1)).empty());
  EXPECT_TRUE(t.Observe("s", Metric::kBlockedAttempts, 1003, At(10, 2)).empty());  // +3
  EXPECT_TRUE(t.Observe("s", Metric::kBlockedAttempts, 1003, At(10, 3)).empty());  // +0
  // Lower: the dataplane restarted, and 2 is what it has counted since.
  auto c = t.Observe("s", Metric::kBlockedAttempts, 2, At(10, 4));
  ASSERT_EQ(Names(c), std::vector<std::string>{"zombie"});
  EXPECT_EQ(c[0].value, 5u);
  EXPECT_TRUE(t.Observe("s", Metric::kBlockedAttempts, 4, At(10, 5)).empty());  // +2
  // Each metric keeps its own last value.
  EXPECT_TRUE(t.Observe("s", Metric::kDistinctDestinations, 40, At(10, 5)).empty());
  EXPECT_TRUE(t.Observe("s", Metric::kDistinctDestinations, 45, At(10, 5)).empty());
  auto top = t.Top(Metric::kBlockedAttempts, 10, At(10, 6));
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].day, 7u);
  EXPECT_EQ(top[0].hour, 0u);  // the hour 05:00 ended
  EXPECT_EQ(t.Top(Metric::kDistinctDestinations, 10, At(10, 6))[0].day, 5u);
}

TEST(ThresholdTrackerTest, SetThresholdsKeepsCountsAndUnchangedMarks) {
  ThresholdTracker t;
  t.SetThresholds({T("a", Metric::kComplaints, Window::kDay, 2)});
  EXPECT_EQ(Names(t.Add("s", Metric::kComplaints, 2, At(10, 1))), std::vector<std::string>{"a"});

  // The same definition (written on another line): its mark is kept. A new
  // threshold fires for the count already there.
  Threshold same = T("a", Metric::kComplaints, Window::kDay, 2);
  same.loc.line = 40;
  t.SetThresholds({same, T("b", Metric::kComplaints, Window::kDay, 1)});
  EXPECT_EQ(Names(t.Add("s", Metric::kComplaints, 1, At(10, 2))), std::vector<std::string>{"b"});

  // A changed definition is a new threshold: it may fire again today.
  t.SetThresholds({T("a", Metric::kComplaints, Window::kDay, 4), T("b", Metric::kComplaints, Window::kDay, 1)});
  auto c = t.Add("s", Metric::kComplaints, 1, At(10, 3));
  ASSERT_EQ(Names(c), std::vector<std::string>{"a"});
  EXPECT_EQ(c[0].value, 4u);  // the counts were kept throughout

  // Gone and back: a new threshold again.
  t.SetThresholds({});
  EXPECT_TRUE(t.Add("s", Metric::kComplaints, 1, At(10, 4)).empty());
  t.SetThresholds({T("b", Metric::kComplaints, Window::kDay, 1)});
  EXPECT_EQ(Names(t.Add("s", Metric::kComplaints, 1, At(10, 5))), std::vector<std::string>{"b"});
}

TEST(ThresholdTrackerTest, EvictsTheLeastRecentlyUpdatedAtCapacity) {
  ThresholdTracker t(3);
  t.Add("a", Metric::kComplaints, 1, At(10, 1));
  t.Add("b", Metric::kComplaints, 2, At(10, 1));
  t.Add("c", Metric::kComplaints, 3, At(10, 1));
  t.Add("a", Metric::kComplaints, 1, At(10, 2));  // a is now the newest: b the oldest
  t.Observe("d", Metric::kBlockedAttempts, 7, At(10, 2));
  EXPECT_EQ(t.counters().subscribers, 3u);
  EXPECT_EQ(t.counters().evicted, 1u);
  auto top = t.Top(Metric::kComplaints, 10, At(10, 3));
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].subscriber, "c");
  EXPECT_EQ(top[1].subscriber, "a");

  // b comes back with nothing it had; c, now the oldest, goes.
  t.Add("b", Metric::kComplaints, 1, At(10, 3));
  EXPECT_EQ(t.counters().evicted, 2u);
  top = t.Top(Metric::kComplaints, 10, At(10, 3));
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].subscriber, "a");
  EXPECT_EQ(top[1].subscriber, "b");
  EXPECT_EQ(top[1].day, 1u);
}

TEST(ThresholdTrackerTest, EvictionKeepsTheBoundUnderChurn) {
  ThresholdTracker t(1000);
  for (int i = 0; i < 100000; i++)
    t.Add("10." + std::to_string(i >> 16) + "." + std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255),
          Metric::kSignatureHits, 1, At(10, 1));
  EXPECT_EQ(t.counters().subscribers, 1000u);
  EXPECT_EQ(t.counters().evicted, 100000u - 1000u);
  EXPECT_EQ(t.Top(Metric::kSignatureHits, 5000, At(10, 1)).size(), 1000u);
}

TEST(ThresholdTrackerTest, TopOrdersByDayThenHourThenName) {
  ThresholdTracker t;
  t.Add("z", Metric::kComplaints, 3, At(10, 9));   // day 3, hour 0 at 10:00
  t.Add("y", Metric::kComplaints, 2, At(10, 10));  // day 3, hour 2
  t.Add("y", Metric::kComplaints, 1, At(10, 9));   //   (late: day only)
  t.Add("x", Metric::kComplaints, 2, At(10, 10));  // day 2, hour 2
  t.Add("w", Metric::kComplaints, 2, At(10, 10));  // day 2, hour 2: before x by name
  t.Add("v", Metric::kComplaints, 9, At(9, 10));   // yesterday: 0, left out
  t.Add("u", Metric::kSignatureHits, 9, At(10, 10));  // another metric
  auto top = t.Top(Metric::kComplaints, 10, At(10, 10, 30));
  ASSERT_EQ(top.size(), 4u);
  EXPECT_EQ(top[0].subscriber, "y");
  EXPECT_EQ(top[0].day, 3u);
  EXPECT_EQ(top[0].hour, 2u);
  EXPECT_EQ(top[1].subscriber, "z");
  EXPECT_EQ(top[1].hour, 0u);
  EXPECT_EQ(top[2].subscriber, "w");
  EXPECT_EQ(top[3].subscriber, "x");
  EXPECT_EQ(top[3].last, At(10, 10));
  ASSERT_EQ(t.Top(Metric::kComplaints, 2, At(10, 10, 30)).size(), 2u);
  EXPECT_EQ(t.Top(Metric::kComplaints, 2, At(10, 10, 30))[1].subscriber, "z");
  EXPECT_TRUE(t.Top(Metric::kComplaints, 10, At(11, 0)).empty());  // the next day
}

TEST(ThresholdTrackerTest, SubscribersIpv4AndIpv6) {
  ThresholdTracker t;
  t.SetThresholds({T("c", Metric::kComplaints, Window::kDay, 3)});
  // One IPv6 subscriber however it is written; an IPv4-mapped address is
  // the IPv4 subscriber.
  EXPECT_TRUE(t.Add("2001:DB8:0:0::1", Metric::kComplaints, 1, At(10, 1)).empty());
  EXPECT_TRUE(t.Add("2001:db8::1", Metric::kComplaints, 1, At(10, 1)).empty());
  auto c = t.Add("2001:0db8::0001", Metric::kComplaints, 1, At(10, 1));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].subscriber, "2001:db8::1");
  EXPECT_TRUE(t.Add("::ffff:192.0.2.1", Metric::kComplaints, 2, At(10, 1)).empty());
  c = t.Add("192.0.2.1", Metric::kComplaints, 1, At(10, 1));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].subscriber, "192.0.2.1");
  // The IPv4-compatible form and other families stay apart; text that is
  // not an address is a key as written.
  t.Add("::192.0.2.1", Metric::kComplaints, 1, At(10, 1));
  t.Add("customer-4411", Metric::kComplaints, 1, At(10, 1));
  EXPECT_EQ(t.counters().subscribers, 4u);
  auto top = t.Top(Metric::kComplaints, 10, At(10, 1));
  ASSERT_EQ(top.size(), 4u);
  EXPECT_EQ(top[0].subscriber, "192.0.2.1");
  EXPECT_EQ(top[1].subscriber, "2001:db8::1");
  EXPECT_EQ(top[2].subscriber, "::192.0.2.1");
  EXPECT_EQ(top[3].subscriber, "customer-4411");
}

TEST(ThresholdTrackerTest, MetricFromName) {
  EXPECT_EQ(*MetricFromName("distinct_destinations"), Metric::kDistinctDestinations);
  EXPECT_EQ(*MetricFromName("signature_hits"), Metric::kSignatureHits);
  absl::StatusOr<Metric> bad = MetricFromName("spam");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "unknown metric 'spam' (one of blocked_attempts, distinct_destinations, complaints, signature_hits)");
}

}  // namespace
}  // namespace spamwall::controld
