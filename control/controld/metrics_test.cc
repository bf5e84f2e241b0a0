#include <gtest/gtest.h>

#include "control/controld/metrics.h"
#include "control/controld/stats_sampler.h"

namespace spamwall::controld {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(MetricsTest, RendersEverySeriesWithHelpAndType) {
  nlohmann::json stats = {
      {"packets", 1000}, {"passed", 900},
      {"dropped", {{"consumer_smtp", 60}, {"quarantine", 40}}},
      {"would_drop", {{"consumer_smtp", 0}}},
      {"malformed_detail", {{"truncated_ipv4", 3}}},
      {"ports", {{{"port", 0}, {"name", "net_null0"}, {"role", "sub\"side"}, {"rx", 500}, {"tx", 450},
                  {"dropped", 50}, {"tx_failed", 1}}}},
      {"workers", {{{"worker", 0}, {"packets", 1000}}}},
      {"stages", {{{"stage", "classify"}, {"calls", 4}, {"packets", 100}, {"cycles", 2500},
                   {"cycles_per_call", 625.0}, {"cycles_per_packet", 25.0}}}},
      {"generations", {{{"generation", 3}, {"packets", 400}}, {{"generation", 4}, {"packets", 600}}}}};
  ControldCounters c;
  c.pushes["ok"] = 2;
  c.pushes["refused"] = 1;
  c.generation = 4;
  c.last_push_seconds = 0.25;
  std::string m = RenderMetrics(stats, 12.5, c);
  EXPECT_TRUE(Has(m, "# TYPE spamwall_up gauge")) << m;
  EXPECT_TRUE(Has(m, "spamwall_up 1")) << m;
  EXPECT_TRUE(Has(m, "# HELP spamwall_packets_total Packets classified by the dataplane.")) << m;
  EXPECT_TRUE(Has(m, "# TYPE spamwall_packets_total counter")) << m;
  EXPECT_TRUE(Has(m, "spamwall_packets_total 1000")) << m;
  EXPECT_TRUE(Has(m, "spamwall_passed_total 900")) << m;
  EXPECT_TRUE(Has(m, "spamwall_dropped_total{reason=\"consumer_smtp\"} 60")) << m;
  EXPECT_TRUE(Has(m, "spamwall_would_drop_total{reason=\"consumer_smtp\"} 0")) << m;
  EXPECT_TRUE(Has(m, "spamwall_malformed_total{kind=\"truncated_ipv4\"} 3")) << m;
  EXPECT_TRUE(Has(m, "spamwall_port_rx_total{port=\"0\",name=\"net_null0\",role=\"sub\\\"side\"} 500")) << m;
  EXPECT_TRUE(Has(m, "spamwall_port_tx_failed_total{port=\"0\",name=\"net_null0\",role=\"sub\\\"side\"} 1")) << m;
  EXPECT_TRUE(Has(m, "spamwall_worker_packets_total{worker=\"0\"} 1000")) << m;
  EXPECT_TRUE(Has(m, "spamwall_generation_packets_total{generation=\"4\"} 600")) << m;
  EXPECT_TRUE(Has(m, "spamwall_stage_cycles_total{stage=\"classify\"} 2500")) << m;
  EXPECT_TRUE(Has(m, "spamwall_stage_calls_total{stage=\"classify\"} 4")) << m;
  EXPECT_TRUE(Has(m, "spamwall_stage_cycles_per_packet{stage=\"classify\"} 25")) << m;
  EXPECT_TRUE(Has(m, "spamwall_policy_generation 4")) << m;
  EXPECT_TRUE(Has(m, "spamwall_packets_per_second 12.5")) << m;
  EXPECT_TRUE(Has(m, "spamwall_policy_pushes_total{result=\"ok\"} 2")) << m;
  EXPECT_TRUE(Has(m, "spamwall_policy_pushes_total{result=\"unavailable\"} 0")) << m;
  EXPECT_TRUE(Has(m, "spamwall_policy_push_seconds 0.25")) << m;
  // Every sample line's family has HELP and TYPE.
  size_t pos = 0;
  while ((pos = m.find('\n', pos)) != std::string::npos && pos + 1 < m.size()) {
    std::string line = m.substr(pos + 1, m.find('\n', pos + 1) - pos - 1);
    pos++;
    if (line.empty() || line[0] == '#') continue;
    std::string name = line.substr(0, line.find_first_of("{ "));
    EXPECT_NE(m.find("# TYPE " + name + " "), std::string::npos) << name;
  }
}

TEST(MetricsTest, DataplaneDownIsUpZeroWithoutItsSeries) {
  std::string m = RenderMetrics(nullptr, 0, ControldCounters{});
  EXPECT_TRUE(Has(m, "spamwall_up 0")) << m;
  EXPECT_EQ(m.find("spamwall_packets_total"), std::string::npos) << m;
  EXPECT_TRUE(Has(m, "spamwall_policy_generation 0")) << m;
}

TEST(MetricsTest, PacketRateFromTwoSamples) {
  nlohmann::json a = {{"packets", 1000}, {"time", 100.0}}, b = {{"packets", 3000}, {"time", 102.0}};
  EXPECT_DOUBLE_EQ(PacketRate(a, 0, b, 0), 1000.0);
  EXPECT_DOUBLE_EQ(PacketRate({{"packets", 10}}, 1.0, {{"packets", 30}}, 1.5), 40.0);
  EXPECT_DOUBLE_EQ(PacketRate(b, 0, {{"packets", 5}, {"time", 103.0}}, 0), 0.0);  // restarted
}

}  // namespace
}  // namespace spamwall::controld
