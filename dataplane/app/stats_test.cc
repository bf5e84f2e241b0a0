#include "dataplane/app/stats.h"

#include <gtest/gtest.h>

namespace spamwall {
namespace {

std::unique_ptr<CompiledPolicy> EmptyPolicy() {
  return std::make_unique<CompiledPolicy>(std::vector<PoptriePrefix>{}, std::vector<PoptriePrefix>{},
                                          size_t{1} << 10);
}

RunInfo OfflineRun() {
  RunInfo run;
  run.mode = "offline";
  run.ports = {{0, "net_pcap0", "subscriber"}, {1, "net_pcap1", "core"}};
  return run;
}

TEST(StatsTest, SumsWorkersAndReportsEveryReason) {
  RunCounters c;
  c.worker_verdicts.resize(2);
  GenerationCounters& a = c.worker_verdicts[0];
  GenerationCounters& b = c.worker_verdicts[1];
  a.packets = 10, a.passed = 7, a.dropped[SW_REASON_CONSUMER_SMTP] = 3;
  b.packets = 5, b.passed = 4, b.dropped[SW_REASON_MALFORMED] = 1;
  c.verdicts.Add(a);
  c.verdicts.Add(b);
  c.workers.resize(2);
  c.workers[0].port[0].rx = 10, c.workers[0].port[1].tx = 7, c.workers[0].bursts = 2;
  c.workers[1].malformed[SW_MALFORMED_BAD_IHL] = 1, c.workers[1].bursts = 1;
  for (const auto& w : c.workers) c.io.Add(w);
  RunInfo run = OfflineRun();
  nlohmann::json j = StatsJson(run, c);
  EXPECT_EQ(j["packets"], 15);
  EXPECT_EQ(j["passed"], 11);
  EXPECT_EQ(j["dropped"]["consumer_smtp"], 3);
  EXPECT_EQ(j["dropped"]["malformed"], 1);
  EXPECT_EQ(j["dropped"]["mx_fence"], 0);
  EXPECT_EQ(j["dropped"]["quarantine"], 0);
  EXPECT_EQ(j["dropped_total"], 4);
  EXPECT_EQ(j["malformed_detail"]["bad_ihl"], 1);
  EXPECT_EQ(j["ports"][1]["tx"], 7);
  EXPECT_EQ(j["bursts"], 3);
  ASSERT_EQ(j["workers"].size(), 2u);
  EXPECT_EQ(j["workers"][0]["packets"], 10);
  EXPECT_EQ(j["workers"][0]["dropped"]["consumer_smtp"], 3);
  EXPECT_EQ(j["workers"][1]["passed"], 4);
  EXPECT_EQ(j["workers"][1]["bursts"], 1);
  std::string report = HumanReport(run, c);
  EXPECT_NE(report.find("consumer_smtp"), std::string::npos) << report;
  EXPECT_NE(report.find("net_pcap1"), std::string::npos) << report;
}

// The verdicts come from the generations, nothing else: a worker's own
// counters hold ports, I/O and cycles only.
TEST(StatsTest, ReadCountersTakesVerdictsFromEveryGeneration) {
  GenerationPublisher pub;
  std::string error;
  ASSERT_TRUE(pub.Init(EmptyPolicy(), 0, "boot", {}, &error)) << error;
  WorkerCounters w0, w1;
  uint64_t packets = 0;
  for (uint64_t g = 1; g <= 3; g++) {
    Generation* live = pub.live()->load();
    live->workers[0].packets += 4, live->workers[0].passed += 3;
    live->workers[0].dropped[SW_REASON_MX_FENCE] += 1;
    live->workers[1].packets += 2, live->workers[1].passed += 2;
    packets += 6;
    pub.Publish(EmptyPolicy(), g, "test");
  }
  pub.live()->load()->workers[1].packets += 1;  // the live generation counts too
  pub.live()->load()->workers[1].passed += 1;
  packets += 1;
  w0.port[0].rx = 12, w0.bursts = 3;
  w1.port[0].rx = 7, w1.bursts = 4;
  // Timed polls: 2 of worker 0's packets and 1 of worker 1's.
  w0.stage[kStageParse] = {1, 2, 300}, w0.stage[kStageClassify] = {1, 2, 900};
  w1.stage[kStageClassify] = {1, 1, 300}, w1.stage[kStageRx] = {2, 1, 600};
  RunCounters c = ReadCounters(&pub, {&w0, &w1});
  EXPECT_EQ(c.verdicts.packets, packets);
  ASSERT_EQ(c.worker_verdicts.size(), 2u);
  EXPECT_EQ(c.worker_verdicts[0].packets, 12u);
  EXPECT_EQ(c.worker_verdicts[0].dropped[SW_REASON_MX_FENCE], 3u);
  EXPECT_EQ(c.worker_verdicts[1].packets, 7u);
  EXPECT_EQ(c.io.bursts, 7u);

  RunInfo run = OfflineRun();
  nlohmann::json j = StatsJson(run, c);
  EXPECT_EQ(j["packets"], packets);
  EXPECT_EQ(j["passed"], 16);
  EXPECT_EQ(j["dropped"]["mx_fence"], 3);
  EXPECT_EQ(j["dropped_total"], 3);
  EXPECT_EQ(j["ports"][0]["rx"], 19);
  // Per packet of the timed polls (3), not of the run.
  EXPECT_DOUBLE_EQ(j["cycles_per_packet"]["classify"].get<double>(), 1500.0 / 3);
  EXPECT_DOUBLE_EQ(j["cycles_per_packet"]["io"].get<double>(), 600.0 / 3);
  ASSERT_EQ(j["stages"].size(), static_cast<size_t>(kStageCount));
  EXPECT_EQ(j["stages"][kStageRx]["stage"], "rx");
  EXPECT_EQ(j["stages"][kStageRx]["calls"], 2);
  EXPECT_DOUBLE_EQ(j["stages"][kStageRx]["cycles_per_call"].get<double>(), 300.0);
  EXPECT_DOUBLE_EQ(j["stages"][kStageClassify]["cycles_per_packet"].get<double>(), 400.0);
  EXPECT_EQ(j["workers"][0]["packets"], 12);
  EXPECT_EQ(j["workers"][1]["packets"], 7);
  EXPECT_EQ(j["workers"][1]["bursts"], 4);
}

}  // namespace
}  // namespace spamwall
