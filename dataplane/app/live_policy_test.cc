#include "dataplane/app/live_policy.h"

#include <gtest/gtest.h>

#include <vector>

namespace spamwall {
namespace {

std::unique_ptr<CompiledPolicy> EmptyPolicy() {
  return std::make_unique<CompiledPolicy>(std::vector<PoptriePrefix>{}, std::vector<PoptriePrefix>{},
                                          size_t{1} << 10);
}

// Publishing without workers (no QSBR): what the counters of each
// generation become, and the history folding past kGenerationHistory.
TEST(PolicyPublisherTest, KeepsEachGenerationsCountsAndFoldsTheOldest) {
  PolicyPublisher pub;
  std::string error;
  ASSERT_TRUE(pub.Init(EmptyPolicy(), 0, "boot", 0, &error)) << error;
  const uint64_t pushes = kGenerationHistory + 44;
  uint64_t total = 0;
  for (uint64_t g = 1; g <= pushes; g++) {
    LivePolicy* live = pub.live()->load();
    live->workers[0].packets += g;  // what workers count under generation g - 1

    live->workers[1].packets += 1;
    live->workers[0].dropped[SW_REASON_QUARANTINE] += 1;
    total += g + 1;
    PolicyPublisher::Published p = pub.Publish(EmptyPolicy(), g, "test");
    EXPECT_EQ(p.previous_generation, g - 1);
    EXPECT_EQ(pub.live()->load()->policy->generation, g);
  }
  auto gens = pub.Generations();
  ASSERT_EQ(gens.size(), kGenerationHistory + 1);
  EXPECT_TRUE(gens.back().live);
  EXPECT_EQ(gens.back().generation, pushes);
  EXPECT_EQ(gens.front().generation, pushes - kGenerationHistory);
  EXPECT_EQ(gens.front().counters.packets, gens.front().generation + 2);
  PolicyPublisher::Folded folded = pub.FoldedGenerations();
  EXPECT_EQ(folded.generations, pushes - kGenerationHistory);
  uint64_t sum = folded.counters.packets, drops = folded.counters.dropped[SW_REASON_QUARANTINE];
  for (const auto& g : gens) sum += g.counters.packets, drops += g.counters.dropped[SW_REASON_QUARANTINE];
  EXPECT_EQ(sum, total) << "folding loses no packet";
  EXPECT_EQ(drops, pushes);
  EXPECT_EQ(pub.WithCurrent([](const LivePolicy& l) { return l.origin; }), "test");
}

}  // namespace
}  // namespace spamwall
