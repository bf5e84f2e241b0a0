#include "dataplane/sampler/zombie_table.h"

#include <gtest/gtest.h>

#include <cstring>

#include "dataplane/core/packet_parse.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall::sampler {
namespace {

BlockedAttempt Attempt(uint32_t subscriber, uint32_t destination, uint8_t reason = SW_REASON_CONSUMER_SMTP) {
  BlockedAttempt a{};
  a.l3 = SW_L3_IPV4;
  a.reason = reason;
  a.dport = 25;
  std::memcpy(a.src, &subscriber, 4);
  std::memcpy(a.dst, &destination, 4);
  return a;
}

TEST(ZombieTableTest, CountsAttemptsByReasonAndEstimatesDistinctDestinations) {
  ZombieTable t(1024);
  for (uint32_t d = 0; d < 600; d++) {
    t.Record(Attempt(7, 1000 + d), 100);
    t.Record(Attempt(7, 1000 + d), 101);  // the same destinations again: not more distinct
  }
  for (int i = 0; i < 5; i++) t.Record(Attempt(7, 5, SW_REASON_QUARANTINE), 102);
  for (int i = 0; i < 3; i++) t.Record(Attempt(8, 5), 103);
  t.Record(Attempt(9, 5, SW_REASON_MALFORMED), 103);  // not an attempt the table keeps
  auto top = t.Top(ZombieMetric::kAttempts, 10);
  ASSERT_EQ(top.size(), 2u);
  uint32_t seven = 7;
  EXPECT_EQ(std::memcmp(top[0].addr, &seven, 4), 0);
  EXPECT_EQ(top[0].attempts, 1205u);
  EXPECT_EQ(top[0].by_reason[0], 1200u);
  EXPECT_EQ(top[0].by_reason[2], 5u);
  EXPECT_NEAR(static_cast<double>(top[0].destinations), 601, 601 * 0.35);
  EXPECT_EQ(top[0].first_seen, 100);
  EXPECT_EQ(top[0].last_seen, 102);
  EXPECT_EQ(top[1].attempts, 3u);
  EXPECT_EQ(top[1].destinations, 1u);
  EXPECT_EQ(t.counters().subscribers, 2u);
  EXPECT_EQ(t.counters().attempts, 1208u);
}

TEST(ZombieTableTest, RanksByEitherMetric) {
  ZombieTable t(1024);
  for (int i = 0; i < 100; i++) t.Record(Attempt(1, 5), 1);    // many attempts, one destination
  for (uint32_t d = 0; d < 50; d++) t.Record(Attempt(2, d), 1);  // fewer, all different
  EXPECT_EQ(t.Top(ZombieMetric::kAttempts, 1)[0].attempts, 100u);
  EXPECT_GT(t.Top(ZombieMetric::kDestinations, 1)[0].destinations, 30u);
  EXPECT_EQ(t.Top(ZombieMetric::kDestinations, 5).size(), 2u);
  EXPECT_TRUE(t.Top(ZombieMetric::kAttempts, 0).empty());
}

// A flood of distinct sources in a small table: memory stays what it was,
// evictions are counted, and a heavy sender outlives the one-off ones.
TEST(ZombieTableTest, AFullTableEvictsTheQuietestAndStaysBounded) {
  ZombieTable t(64);
  ASSERT_EQ(t.capacity(), 64u);
  for (int i = 0; i < 1000; i++) t.Record(Attempt(42, static_cast<uint32_t>(i)), 1);
  for (uint32_t s = 1000; s < 200000; s++) t.Record(Attempt(s, 1), 2);
  EXPECT_LE(t.counters().subscribers, 64u);
  EXPECT_GT(t.counters().evicted, 190000u);
  auto top = t.Top(ZombieMetric::kAttempts, 1);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].attempts, 1000u) << "the zombie is kept";
}

}  // namespace
}  // namespace spamwall::sampler
