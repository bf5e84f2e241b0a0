// Live mode end to end: the real binary, EAL from the command line, ports from
// a virtual hw-profile (net_null makes traffic by itself), a worker lcore,
// a timed stop and the final STATS.json.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include <fstream>
#include <thread>

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

// Under systemd (Type=notify, WatchdogSec=): READY=1 once the workers poll,
// a STATUS= line that names the generation, and watchdog pings while they
// poll. A datagram socket stands in for systemd's NOTIFY_SOCKET.
TEST(DataplaneLiveTest, TellsSystemdItIsReadyAndPingsTheWatchdog) {
  TempDir dir;
  const std::string path = dir / "notify.sock";
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  // Read as systemd does, while it runs: a datagram socket queues only
  // net.unix.max_dgram_qlen (10) messages, then the sender blocks.
  std::string all;
  std::atomic<bool> done(false);
  std::thread reader([&] {
    char buf[4096];
    while (!done.load()) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n > 0) all += std::string(buf, n) + "\n";
    }
  });
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  setenv("WATCHDOG_USEC", "400000", 1);  // pings every 0.2 s
  std::vector<std::string> args = {"--profile", Repo() + "/hw-profiles/null.yaml", "--policy",
                                   Repo() + "/examples/policy.yaml", "--duration", "2", "--"};
  for (const auto& e : Eal()) args.push_back(e);
  RunResult r = RunDataplane(args);
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  done.store(true);
  reader.join();
  close(fd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(all.find("READY=1"), std::string::npos) << all;
  EXPECT_NE(all.find("STATUS=generation 0"), std::string::npos) << all;
  size_t pings = 0;
  for (size_t at = 0; (at = all.find("WATCHDOG=1", at)) != std::string::npos; at++) pings++;
  EXPECT_GE(pings, 3u) << all;
  EXPECT_NE(all.find("STOPPING=1"), std::string::npos) << all;
}

}  // namespace
}  // namespace spamwall::golden
