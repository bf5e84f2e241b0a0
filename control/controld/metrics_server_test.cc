// MetricsServer's bounds over real TCP on loopback: a scrape answers while
// the connection cap is full of idle clients, a trickled request head is
// cut at the header deadline, a reply not taken is cut at the reply
// deadline, other paths and methods are refused; loopback detection.
#include "control/controld/metrics_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace spamwall::controld {
namespace {

class MetricsServerTest : public ::testing::Test {
 protected:
  void Start(MetricsServer::Options o) {
    std::string error;
    // Port 0 is "off" for controld; here a fixed range, first free one.
    for (port_ = 39632; port_ < 39700; port_++)
      if (server_.Start("127.0.0.1", port_, [] { return std::string("spamwall_up 1\n"); }, o,
                        &error))
        return;
    FAIL() << error;
  }
  UniqueFd Connect() {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    timeval tv{10, 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  }
  std::string Get(const std::string& request) {
    UniqueFd fd = Connect();
    send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = recv(fd.get(), buf, sizeof buf, 0)) > 0;) out.append(buf, n);
    return out;
  }
  std::string Scrape() { return Get("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"); }

  MetricsServer server_;
  int port_ = 0;
};

TEST_F(MetricsServerTest, AnswersMetricsAndRefusesTheRest) {
  Start({});
  std::string r = Scrape();
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("\r\n\r\nspamwall_up 1\n"), std::string::npos) << r;
  EXPECT_EQ(Get("GET / HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(Get("POST /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_EQ(Get(std::string(9000, 'a')).rfind("HTTP/1.1 431", 0), 0u);
}

TEST_F(MetricsServerTest, AScrapeAnswersWhileIdleClientsFillEverySlot) {
  MetricsServer::Options o;
  o.max_connections = 8;
  o.header_timeout_s = 60;  // only eviction can make room here
  Start(o);
  std::vector<UniqueFd> idle;
  for (int i = 0; i < 50; i++) idle.push_back(Connect());
  for (int i = 0; i < 100 && server_.open_connections() < 8; i++) usleep(20000);
  EXPECT_EQ(server_.open_connections(), 8u);
  EXPECT_EQ(Scrape().rfind("HTTP/1.1 200 OK", 0), 0u);
  EXPECT_LE(server_.open_connections(), 8u);
}

TEST_F(MetricsServerTest, ATrickledHeadIsCutAtTheHeaderDeadline) {
  MetricsServer::Options o;
  o.header_timeout_s = 0.5;
  Start(o);
  UniqueFd fd = Connect();
  const std::string head = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  // One byte every 100 ms would take 3.5 s; the server closes after 0.5 s.
  size_t sent = 0;
  for (; sent < head.size(); sent++) {
    if (send(fd.get(), head.data() + sent, 1, MSG_NOSIGNAL) != 1) break;
    pollfd p{fd.get(), POLLIN, 0};
    if (poll(&p, 1, 100) > 0) break;  // closed (EOF readable)
  }
  EXPECT_LT(sent, head.size());
  char byte;
  EXPECT_LE(recv(fd.get(), &byte, 1, 0), 0);
  EXPECT_EQ(Scrape().rfind("HTTP/1.1 200 OK", 0), 0u);
}

TEST_F(MetricsServerTest, AReplyNotTakenIsCutAtTheReplyDeadline) {
  MetricsServer::Options o;
  o.reply_timeout_s = 0.5;
  std::string error;
  // A reply far larger than the socket buffers, never read.
  for (port_ = 39700; port_ < 39760; port_++)
    if (server_.Start("127.0.0.1", port_, [] { return std::string(32u << 20, 'x'); }, o, &error))
      break;
  UniqueFd fd = Connect();
  int small = 4096;
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  const std::string head = "GET /metrics HTTP/1.1\r\n\r\n";
  send(fd.get(), head.data(), head.size(), 0);
  for (int i = 0; i < 100 && server_.open_connections() == 0; i++) usleep(10000);
  EXPECT_EQ(server_.open_connections(), 1u);
  for (int i = 0; i < 500 && server_.open_connections() > 0; i++) usleep(10000);
  EXPECT_EQ(server_.open_connections(), 0u) << "the reader that never reads kept its slot";
}

TEST(MetricsHost, LoopbackIsTellable) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("[::1]"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("::"));
  EXPECT_FALSE(IsLoopbackHost("192.0.2.1"));
}

}  // namespace
}  // namespace spamwall::controld
