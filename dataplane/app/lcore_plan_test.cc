#include "dataplane/app/lcore_plan.h"

#include <gtest/gtest.h>

namespace spamwall {
namespace {

// Two sockets: lcores 1-4 on 0, 5-8 on 1; ports 0,1 on socket 1, 2,3 on 0.
LcorePlanInput TwoSockets() {
  LcorePlanInput in;
  in.lcores = {1, 2, 3, 4, 5, 6, 7, 8};
  in.lcore_socket = [](unsigned l) { return l >= 5 ? 1 : 0; };
  in.port_socket = [](uint16_t p) { return p < 2 ? 1 : 0; };
  return in;
}

TEST(LcorePlanTest, WorkersGoToTheirPortsSocketAndGetReaderIdsInOrder) {
  LcorePlanInput in = TwoSockets();
  in.pairs = {{0, 1, 2}, {2, 3, 2}};
  in.samplers = 1;
  LcorePlan plan;
  std::string error;
  ASSERT_TRUE(BuildLcorePlan(in, &plan, &error)) << error;
  ASSERT_EQ(plan.roles.size(), 5u);
  EXPECT_EQ(plan.workers, 4u);
  EXPECT_EQ(plan.samplers, 1u);
  EXPECT_EQ(plan.readers(), 5u);
  for (unsigned i = 0; i < 4; i++) {
    const LcoreRole& r = plan.roles[i];
    EXPECT_EQ(r.kind, LcoreRole::Kind::kWorker);
    EXPECT_EQ(r.reader_id, i);
    EXPECT_EQ(r.worker_index, i);
    EXPECT_EQ(r.socket, r.port_a < 2 ? 1 : 0) << "worker " << i << " away from its ports";
  }
  EXPECT_EQ(plan.roles[0].lcore, 5u);
  EXPECT_EQ(plan.roles[1].lcore, 6u);
  EXPECT_EQ(plan.roles[2].lcore, 1u);
  EXPECT_EQ(plan.roles[1].queue, 1);
  EXPECT_EQ(plan.roles[4].kind, LcoreRole::Kind::kSampler);
  EXPECT_EQ(plan.roles[4].reader_id, 4u);
  EXPECT_TRUE(plan.warnings.empty());
  EXPECT_NE(plan.Describe().find("worker 2 on lcore 1 (socket 0): ports 2<->3 queue 0"), std::string::npos)
      << plan.Describe();
}

TEST(LcorePlanTest, AWorkerAwayFromItsPortsIsAWarning) {
  LcorePlanInput in = TwoSockets();
  in.lcores = {1, 2};  // socket 0 only
  in.pairs = {{0, 1, 1}};
  LcorePlan plan;
  std::string error;
  ASSERT_TRUE(BuildLcorePlan(in, &plan, &error)) << error;
  ASSERT_EQ(plan.warnings.size(), 2u);
  EXPECT_NE(plan.warnings[0].find("port 0 is on socket 1"), std::string::npos) << plan.warnings[0];
}

TEST(LcorePlanTest, TooFewLcoresIsAClearError) {
  LcorePlanInput in = TwoSockets();
  in.lcores = {1, 2, 3};
  in.pairs = {{0, 1, 2}, {2, 3, 2}};
  LcorePlan plan;
  std::string error;
  EXPECT_FALSE(BuildLcorePlan(in, &plan, &error));
  EXPECT_EQ(error, "need 4 lcores besides the main one (4 workers: one per port pair and queue); EAL has 3 (give -l 0-4)");
}

}  // namespace
}  // namespace spamwall
