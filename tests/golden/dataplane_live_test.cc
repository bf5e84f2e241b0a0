// Live mode end to end: the real binary, EAL from the command line, ports from
// a virtual hw-profile (net_null makes traffic by itself), a worker lcore,
// a timed stop and the final STATS.json.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/fixtures/fixture.h"
#include "tests/golden/run_dataplane.h"

namespace spamwall::golden {
namespace {

std::string Repo() { return fixtures::FixturesDir() + "/../.."; }

std::vector<std::string> Eal() {
  return {"--no-huge", "-m", "256", "--no-pci", "--no-shconf", "--no-telemetry",
          "--file-prefix=live-test-" + std::to_string(getpid()), "-l", "0-1"};
}

TEST(DataplaneLiveTest, NullPortsForwardAndStop) {
  TempDir dir;
  std::vector<std::string> args = {"--profile", Repo() + "/hw-profiles/null.yaml", "--policy",
                                   Repo() + "/examples/policy.yaml", "--duration", "1",
                                   "--stats-interval", "0.5", "--stats-json", dir / "stats.json", "--"};
  for (const auto& a : Eal()) args.push_back(a);
  RunResult r = RunDataplane(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("rx queues requested 1, granted 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("worker 0 on lcore 1"), std::string::npos) << r.output;
  std::ifstream in(dir / "stats.json");
  nlohmann::json s = nlohmann::json::parse(in);
  EXPECT_EQ(s["mode"], "live");
  EXPECT_GT(s["packets"].get<uint64_t>(), 0u);
  // net_null frames are zero bytes (not IP): all pass, and nothing is lost.
  EXPECT_EQ(s["passed"], s["packets"]);
  EXPECT_EQ(s["ports"].size(), 2u);
}

TEST(DataplaneLiveTest, BadProfileOrTooFewLcoresIsAClearError) {
  TempDir dir;
  std::ofstream(dir / "bad.yaml") << "name: x\ndriver: net_null\nqueues: {rx: 0}\n";
  std::vector<std::string> args = {"--profile", dir / "bad.yaml", "--policy",
                                   Repo() + "/examples/policy.yaml", "--"};
  for (const auto& a : Eal()) args.push_back(a);
  RunResult r = RunDataplane(args);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad.yaml:3:"), std::string::npos) << r.output;

  args = {"--profile", Repo() + "/hw-profiles/null.yaml", "--policy", Repo() + "/examples/policy.yaml",
          "--duration", "1", "--", "--no-huge", "-m", "256", "--no-pci", "--no-shconf", "--no-telemetry",
          "--file-prefix=live-test-1c-" + std::to_string(getpid()), "-l", "0"};
  r = RunDataplane(args);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("need 1 lcores besides the main one (1 workers: one per port pair and queue)"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace spamwall::golden
