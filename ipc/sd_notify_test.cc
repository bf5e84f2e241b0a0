// sd_notify through a datagram socket standing in for systemd's
// NOTIFY_SOCKET: READY and STATUS arrive as sent, the watchdog is pinged
// while the liveness check holds and not after it fails.
#include "ipc/sd_notify.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace spamwall::sd {
namespace {

class NotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("swnotify-" + std::to_string(getpid()));
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path_.c_str());
    unlink(path_.c_str());
    ASSERT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    close(fd_);
    unlink(path_.c_str());
  }
  // Every datagram that arrives within `seconds`.
  std::vector<std::string> Receive(double seconds) {
    std::vector<std::string> got;
    pollfd p{fd_, POLLIN, 0};
    for (int waited = 0; waited < seconds * 1000; waited += 10) {
      while (poll(&p, 1, 10) > 0) {
        char buf[1024];
        ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n > 0) got.emplace_back(buf, n);
      }
    }
    return got;
  }
  static int Count(const std::vector<std::string>& got, const std::string& what) {
    int n = 0;
    for (const auto& g : got) n += g == what;
    return n;
  }

  std::string path_;
  int fd_ = -1;
};

TEST_F(NotifyTest, ReadyAndStatusArriveAsSent) {
  EXPECT_TRUE(Ready("serving"));
  EXPECT_TRUE(Status("generation 7"));
  auto got = Receive(0.2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "READY=1\nSTATUS=serving");
  EXPECT_EQ(got[1], "STATUS=generation 7");
}

TEST_F(NotifyTest, OutsideSystemdNothingIsSent) {
  unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(Ready("serving"));
  EXPECT_EQ(WatchdogInterval(), 0);
}

TEST_F(NotifyTest, PingsStopWhenTheLivenessCheckFails) {
  setenv("WATCHDOG_USEC", "100000", 1);  // 0.1 s: pings every 0.05 s
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  EXPECT_DOUBLE_EQ(WatchdogInterval(), 0.1);
  std::atomic<bool> alive{true};
  std::atomic<int> n{0};
  Heartbeat beat;
  beat.Start([&] { return alive.load(); }, [&] { return "turn " + std::to_string(n++ / 100); });
  auto healthy = Receive(0.5);
  EXPECT_GE(Count(healthy, "WATCHDOG=1"), 3);
  EXPECT_EQ(Count(healthy, "STATUS=turn 0"), 1);  // sent once, not with every ping
  alive = false;
  Receive(0.1);  // a ping already on its way
  auto failed = Receive(0.5);
  beat.Stop();
  EXPECT_EQ(Count(failed, "WATCHDOG=1"), 0);
}

}  // namespace
}  // namespace spamwall::sd
