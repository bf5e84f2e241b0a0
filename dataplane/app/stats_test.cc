#include "dataplane/app/stats.h"

#include <gtest/gtest.h>

namespace spamwall {
namespace {

TEST(StatsTest, SumsWorkersAndReportsEveryReason) {
  WorkerCounters a, b;
  a.packets = 10, a.passed = 7, a.dropped[SW_REASON_CONSUMER_SMTP] = 3;
  a.port[0].rx = 10, a.port[1].tx = 7;
  b.packets = 5, b.passed = 4, b.dropped[SW_REASON_MALFORMED] = 1;
  b.malformed[SW_MALFORMED_BAD_IHL] = 1;
  RunInfo run;
  run.mode = "offline";
  run.ports = {{0, "net_pcap0", "subscriber"}, {1, "net_pcap1", "core"}};
  nlohmann::json j = StatsJson(run, {&a, &b});
  EXPECT_EQ(j["packets"], 15);
  EXPECT_EQ(j["passed"], 11);
  EXPECT_EQ(j["dropped"]["consumer_smtp"], 3);
  EXPECT_EQ(j["dropped"]["malformed"], 1);
  EXPECT_EQ(j["dropped"]["mx_fence"], 0);
  EXPECT_EQ(j["dropped"]["quarantine"], 0);
  EXPECT_EQ(j["dropped_total"], 4);
  EXPECT_EQ(j["malformed_detail"]["bad_ihl"], 1);
  EXPECT_EQ(j["ports"][1]["tx"], 7);
  EXPECT_EQ(j["workers"].size(), 2u);
  std::string report = HumanReport(run, {&a, &b});
  EXPECT_NE(report.find("consumer_smtp"), std::string::npos) << report;
  EXPECT_NE(report.find("net_pcap1"), std::string::npos) << report;
}

}  // namespace
}  // namespace spamwall
