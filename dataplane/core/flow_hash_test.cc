#include "dataplane/core/flow_hash.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace spamwall {
namespace {

sw_parsed Tuple(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp) {
  sw_parsed p{};
  p.l3 = SW_L3_IPV4;
  p.l4_proto = SW_IPPROTO_TCP;
  std::memcpy(p.src, &src, 4);
  std::memcpy(p.dst, &dst, 4);
  p.sport = sp;
  p.dport = dp;
  return p;
}

sw_parsed Reversed(const sw_parsed& p) {
  sw_parsed r = p;
  std::memcpy(r.src, p.dst, 16);
  std::memcpy(r.dst, p.src, 16);
  r.sport = p.dport;
  r.dport = p.sport;
  return r;
}

TEST(FlowHashTest, BothDirectionsOfAFlowHashAlikeAndNeighboursDoNot) {
  std::mt19937 rng(7);
  std::set<uint64_t> seen;
  for (int i = 0; i < 10000; i++) {
    sw_parsed p = Tuple(rng(), rng(), static_cast<uint16_t>(rng()), 25);
    EXPECT_EQ(SymmetricFlowHash(p), SymmetricFlowHash(Reversed(p)));
    seen.insert(SymmetricFlowHash(p));
  }
  EXPECT_GT(seen.size(), 9990u);
  // Swapping only the ports, or only the addresses, is another flow.
  sw_parsed p = Tuple(1, 2, 40000, 25), q = Tuple(1, 2, 25, 40000), r = Tuple(2, 1, 40000, 25);
  EXPECT_NE(SymmetricFlowHash(p), SymmetricFlowHash(q));
  EXPECT_NE(SymmetricFlowHash(p), SymmetricFlowHash(r));
  sw_parsed v6 = p;
  v6.l3 = SW_L3_IPV6;
  v6.src[15] = 9;
  EXPECT_EQ(SymmetricFlowHash(v6), SymmetricFlowHash(Reversed(v6)));
}

// 1 in N of many flows, spread evenly over the samplers.
TEST(FlowHashTest, SamplesOneFlowInRateAndSpreadsThemOverTheSamplers) {
  std::mt19937 rng(11);
  const int flows = 200000;
  int chosen = 0, none = 0, all = 0;
  int per_sampler[3] = {};
  for (int i = 0; i < flows; i++) {
    const uint64_t h = SymmetricFlowHash(Tuple(rng(), rng(), static_cast<uint16_t>(rng()), 587));
    chosen += SampleFlow(h, 64);
    none += SampleFlow(h, 0);
    all += SampleFlow(h, 1);
    per_sampler[SamplerOf(h, 3)]++;
  }
  EXPECT_EQ(none, 0);
  EXPECT_EQ(all, flows);
  EXPECT_NEAR(chosen, flows / 64, flows / 64 / 5);  // within 20%
  for (int s : per_sampler) EXPECT_NEAR(s, flows / 3, flows / 30);
}

}  // namespace
}  // namespace spamwall
