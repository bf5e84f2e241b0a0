// controld under a flood: 1,000 idle connections to ctl.sock and 1,000 to
// the metrics port, slow-loris clients on both (one byte every 2 s) and
// readers that take their reply one byte at a time. `spamwallctl stats` and
// a scrape must still answer (a liveness bound of 5 s, measured and shown),
// and controld's threads and descriptors must stay bounded: its thread count
// does not grow, its descriptors stay under its two listeners' budgets.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "ipc/unix_socket.h"
#include "ipc/wire.h"
#include "tests/control/processes.h"

namespace spamwall::e2e {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int Threads(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  return -1;
}

size_t Descriptors(int pid) {
  size_t n = 0;
  for (auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    (void)e;
    n++;
  }
  return n;
}

UniqueFd Tcp(int port) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fd.Reset();
  return fd;
}

UniqueFd Unix(const std::string& path) {
  std::string error;
  return proto::ConnectUnix(path, 5, &error);
}

TEST(FloodTest, StatsAndScrapesAnswerThroughIdleAndSlowClients) {
  // 2,000 idle clients and controld's own listeners: controld inherits this.
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = std::min<rlim_t>(nofile.rlim_max, 8192);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &nofile), 0);
  ASSERT_GE(nofile.rlim_cur, 4096u) << "the hard descriptor limit is too low for this test";

  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  ASSERT_EQ(s.Ctl({"stats"}).code, 0) << s.Logs();
  const int pid = s.controld().pid();
  // Its thread count once every thread started (the heartbeat starts after
  // the socket serves): the largest over 2 s.
  int threads_before = 0;
  for (int i = 0; i < 10; i++, usleep(200000)) threads_before = std::max(threads_before, Threads(pid));

  std::vector<UniqueFd> idle;
  for (int i = 0; i < 1000; i++) {
    idle.push_back(Unix(s.ctl()));
    ASSERT_TRUE(idle.back().valid()) << "ctl.sock connection " << i << s.Logs();
  }
  for (int i = 0; i < 1000; i++) {
    idle.push_back(Tcp(s.metrics_port()));
    ASSERT_TRUE(idle.back().valid()) << "metrics connection " << i;
  }

  // Slow clients, each on its own thread, until `stop`.
  std::atomic<bool> stop{false};
  std::vector<std::thread> slow;
  const std::string stats_frame = proto::EncodeMessage({{"id", 1}, {"cmd", "stats"}});
  const std::string scrape = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  auto trickle = [&](UniqueFd fd, std::string bytes) {
    for (size_t i = 0; !stop && fd.valid() && i < bytes.size(); i++) {
      if (send(fd.get(), &bytes[i], 1, MSG_NOSIGNAL) != 1) return;
      for (int t = 0; t < 20 && !stop; t++) usleep(100000);  // one byte every 2 s
    }
  };
  auto crawl = [&](UniqueFd fd, std::string request) {
    if (send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) < 0) return;
    char byte;
    while (!stop && recv(fd.get(), &byte, 1, 0) == 1) usleep(100000);  // a byte every 100 ms
  };
  for (int i = 0; i < 8; i++) {
    slow.emplace_back(trickle, Unix(s.ctl()), stats_frame);
    slow.emplace_back(trickle, Tcp(s.metrics_port()), scrape);
    slow.emplace_back(crawl, Unix(s.ctl()), stats_frame);
    slow.emplace_back(crawl, Tcp(s.metrics_port()), scrape);
  }

  // For 15 s (past the 5 s request and header deadlines, the 10 s reply
  // ones): both answer every time.
  double worst_ctl = 0, worst_scrape = 0;
  size_t most_fds = 0;
  int most_threads = 0;
  const auto start = Clock::now();
  while (Since(start) < 15) {
    auto t = Clock::now();
    CtlResult r = s.Ctl({"-j", "stats"});
    worst_ctl = std::max(worst_ctl, Since(t));
    EXPECT_EQ(r.code, 0) << r.err;
    t = Clock::now();
    httplib::Client http("127.0.0.1", s.metrics_port());
    http.set_connection_timeout(5);
    http.set_read_timeout(5);
    auto res = http.Get("/metrics");
    worst_scrape = std::max(worst_scrape, Since(t));
    EXPECT_TRUE(res && res->status == 200 && Contains(res->body, "spamwall_up 1"))
        << (res ? res->body : "no answer");
    most_fds = std::max(most_fds, Descriptors(pid));
    most_threads = std::max(most_threads, Threads(pid));
    usleep(500000);
  }
  stop = true;
  for (auto& t : slow) t.join();

  printf("flood: worst spamwallctl stats %.3f s, worst scrape %.3f s; controld threads %d "
         "(before %d), descriptors at most %zu\n",
         worst_ctl, worst_scrape, most_threads, threads_before, most_fds);
  EXPECT_LT(worst_ctl, 5) << "liveness bound";
  EXPECT_LT(worst_scrape, 5) << "liveness bound";
  EXPECT_EQ(most_threads, threads_before) << "threads grew with connections";
  // ctl.sock: the 1,000 idle + 16 slow; /metrics: its budget of 256 (an
  // eighth of 8,192) however many connect; plus controld's own files.
  EXPECT_LT(most_fds, 1016u + 256u + 64u) << "descriptors not bounded";
  EXPECT_EQ(s.Ctl({"stats"}).code, 0) << s.Logs();
}

}  // namespace
}  // namespace spamwall::e2e
