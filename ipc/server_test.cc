// UnixServer's bounds: the absolute request, reply and idle deadlines, the
// connection caps (per uid, with slots kept for root), threads that do not
// grow with connections, the peer's groups from its credentials, and a live
// socket that a second server does not replace. The tests that act as
// another user (fork + setuid nobody) need root and are skipped without it.
#include <dirent.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>
#include <vector>

#include "ipc/client.h"
#include "ipc/server.h"

namespace spamwall::proto {
namespace {

constexpr uid_t kNobody = 65534;

using Clock = std::chrono::steady_clock;
double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int ThreadCount() {
  int n = 0;
  DIR* d = opendir("/proc/self/task");
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

std::string Frame(const nlohmann::json& body) { return EncodeMessage(body); }

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("swserver-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    std::filesystem::permissions(dir_, std::filesystem::perms(0711));  // nobody reaches the socket
    path_ = (dir_ / "ctl.sock").string();
  }
  void TearDown() override {
    server_.Stop();
    std::filesystem::remove_all(dir_);
  }
  void Start(UnixServer::Options o) {
    std::string error;
    UniqueFd fd = ListenUnix(path_, 0666, "", &error);
    ASSERT_TRUE(fd.valid()) << error;
    ASSERT_TRUE(server_.Start(
        std::move(fd), o, [](const Peer&, std::string*) { return true; },
        [](Request& r) -> Reply {
          if (r.cmd == "big") return Reply::Ok({{"text", std::string(4u << 20, 'x')}});
          if (r.cmd == "groups")
            return Reply::Ok({{"groups", r.peer.groups}, {"has_4242", PeerHasGroup(r.peer, 4242)}});
          return Reply::Ok(r.args);
        },
        &error))
        << error;
  }
  UniqueFd Raw() {
    std::string error;
    UniqueFd fd = ConnectUnix(path_, 10, &error);
    EXPECT_TRUE(fd.valid()) << error;
    return fd;
  }
  // One echo on a fresh connection; the reply's error message, "" when ok.
  std::string Echo() {
    Client c;
    std::string error;
    nlohmann::json reply;
    if (!c.Connect(path_, 5, &error) || !c.Call("echo", {{"x", 1}}, &reply, &error)) return error;
    return ReplyError(reply);
  }

  std::filesystem::path dir_;
  std::string path_;
  UnixServer server_;
};

// Runs `body` in a child as nobody with supplementary groups `groups`; the
// child's stdout (what body returns) comes back.
std::string AsNobody(std::vector<gid_t> groups, const std::function<std::string()>& body) {
  int p[2];
  if (pipe(p) != 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    if (setgroups(groups.size(), groups.data()) != 0 || setgid(kNobody) != 0 ||
        setuid(kNobody) != 0)
      _exit(3);
    std::string out = body();
    (void)!write(p[1], out.data(), out.size());
    _exit(0);
  }
  close(p[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(p[0], buf, sizeof buf)) > 0;) out.append(buf, n);
  close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return out;
}

TEST_F(ServerTest, ATrickledRequestIsCutAtTheAbsoluteDeadline) {
  UnixServer::Options o;
  o.request_timeout_s = 0.5;
  Start(o);
  UniqueFd fd = Raw();
  // One byte every 100 ms would take 5 s for 50 bytes; a per-recv limit
  // would never fire, the absolute one ends it after 0.5 s.
  const std::string frame = Frame({{"cmd", "echo"}, {"args", {{"pad", std::string(40, 'p')}}}});
  const auto start = Clock::now();
  size_t sent = 0;
  for (; sent < 50; sent++) {
    if (send(fd.get(), frame.data() + sent, 1, MSG_NOSIGNAL) != 1) break;
    pollfd pfd{fd.get(), POLLIN, 0};
    if (poll(&pfd, 1, 100) > 0) break;  // the server answered
  }
  EXPECT_LT(sent, 50u) << "the server let the trickle go on for " << SecondsSince(start) << " s";
  Message m;
  std::string error;
  ASSERT_EQ(ReadMessage(fd.get(), &m, &error), ReadResult::kOk) << error;
  EXPECT_NE(ReplyError(m.body).find("bytes (not whole within 0.5 s)"), std::string::npos)
      << m.body;
  // Then the end: EOF, as the server drains what it did not read before it
  // closes; a byte of ours that lands between its drain and its close makes
  // that a reset, which ends the connection as well.
  const ReadResult end = ReadMessage(fd.get(), &m, &error);
  EXPECT_TRUE(end == ReadResult::kClosed ||
              (end == ReadResult::kBadHeader && error.find("reset") != std::string::npos))
      << error;
  EXPECT_EQ(Echo(), "");
}

TEST_F(ServerTest, AnIdleConnectionIsClosed) {
  UnixServer::Options o;
  o.idle_timeout_s = 0.3;
  Start(o);
  UniqueFd fd = Raw();  // 10 s receive timeout: EOF must come well before
  char byte;
  EXPECT_EQ(recv(fd.get(), &byte, 1, 0), 0) << "no EOF: " << std::strerror(errno);
}

TEST_F(ServerTest, AReplyReadOneByteAtATimeIsCutAtTheReplyDeadline) {
  UnixServer::Options o;
  o.reply_timeout_s = 0.5;
  Start(o);
  UniqueFd fd = Raw();
  int small = 4096;
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  const std::string frame = Frame({{"cmd", "big"}});
  ASSERT_EQ(send(fd.get(), frame.data(), frame.size(), 0), static_cast<ssize_t>(frame.size()));
  // 4 MiB at one byte per 10 ms would take 11 hours; the server lets go of
  // the connection after 0.5 s (what it sent stays readable here).
  const auto start = Clock::now();
  char byte;
  while (server_.open_connections() > 0 && SecondsSince(start) < 10) {
    if (recv(fd.get(), &byte, 1, 0) <= 0) break;
    usleep(10000);
  }
  EXPECT_EQ(server_.open_connections(), 0u) << "the slow reader kept its slot";
  EXPECT_EQ(Echo(), "");
}

TEST_F(ServerTest, ThousandsOfIdleConnectionsCostNoThreadsAndLockNobodyOut) {
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);  // both ends live in this process
  if (nofile.rlim_cur < 4096) nofile.rlim_cur = std::min<rlim_t>(nofile.rlim_max, 4096);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &nofile), 0);
  ASSERT_GE(nofile.rlim_cur, 2200u) << "the hard descriptor limit is too low for this test";
  UnixServer::Options o;
  o.max_connections = 1500;
  Start(o);
  const int threads = ThreadCount();
  std::vector<UniqueFd> idle;
  for (int i = 0; i < 1000; i++) idle.push_back(Raw());
  // A trickler too: one header byte.
  UniqueFd slow = Raw();
  ASSERT_EQ(send(slow.get(), "S", 1, 0), 1);
  ASSERT_TRUE([&] {
    for (int i = 0; i < 100 && server_.open_connections() < 1001; i++) usleep(50000);
    return server_.open_connections() == 1001;
  }()) << server_.open_connections();
  EXPECT_EQ(Echo(), "");
  EXPECT_EQ(ThreadCount(), threads);
}

long RssKiB() {
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  fclose(f);
  return kib;
}

TEST_F(ServerTest, AnnouncedBodiesCostNothingUntilTheyArrive) {
  Start({});  // max_body 1 MiB
  const long before = RssKiB();
  std::vector<UniqueFd> announced;
  std::string header = Frame({{"cmd", "echo"}}).substr(0, kHeaderBytes);
  const uint32_t length = kDefaultMaxBody;
  std::memcpy(header.data() + 8, &length, 4);  // little-endian host
  for (int i = 0; i < 300; i++) {
    announced.push_back(Raw());
    ASSERT_EQ(send(announced.back().get(), header.data(), header.size(), 0), 16);
  }
  for (int i = 0; i < 100 && server_.open_connections() < 300; i++) usleep(20000);
  usleep(200000);  // the headers read
  // 300 buffers of 1 MiB would be 300 MiB.
  EXPECT_LT(RssKiB() - before, 64 * 1024) << "kB more resident";
  EXPECT_EQ(Echo(), "");
}

TEST_F(ServerTest, OneUserCannotTakeTheSlotsOfRootOrOthers) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  UnixServer::Options o;
  o.max_connections = 6;
  o.max_per_uid = 4;
  o.reserved_slots = 2;
  Start(o);
  // nobody holds 4 idle connections; a 5th is refused with the reason.
  std::string out = AsNobody({}, [&] {
    std::vector<UniqueFd> held;
    for (int i = 0; i < 4; i++) held.push_back(Raw());
    usleep(200000);  // let the server accept them
    std::string refusal = Echo();
    usleep(300000);  // while the parent checks root gets in
    return refusal;
  });
  EXPECT_NE(out.find("too many control connections"), std::string::npos) << out;
  EXPECT_NE(out.find("at most 4 per user"), std::string::npos) << out;
  // Root past the overall cap too: 6 of root's own idle + the reserve.
  std::vector<UniqueFd> mine;
  for (int i = 0; i < 6; i++) mine.push_back(Raw());
  usleep(200000);
  EXPECT_EQ(Echo(), "");
}

TEST_F(ServerTest, PeerGroupsComeFromTheCredentialsNotFromTheGroupFile) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  Start({});
  auto ask = [&] {
    Client c;
    std::string error;
    nlohmann::json reply;
    if (!c.Connect(path_, 5, &error) || !c.Call("groups", {}, &reply, &error)) return error;
    return reply.dump();
  };
  // nobody is a member of no group 4242 in /etc/group; its process holds it.
  nlohmann::json with = nlohmann::json::parse(AsNobody({4242, 4343}, ask), nullptr, false);
  ASSERT_TRUE(with.is_object()) << with;
  EXPECT_EQ(with["result"]["has_4242"], true) << with;
  EXPECT_EQ(with["result"]["groups"], nlohmann::json({4242, 4343}));
  nlohmann::json without = nlohmann::json::parse(AsNobody({4343}, ask), nullptr, false);
  ASSERT_TRUE(without.is_object()) << without;
  EXPECT_EQ(without["result"]["has_4242"], false) << without;
}

TEST_F(ServerTest, ALiveSocketIsNotReplacedAStaleOneIs) {
  Start({});
  std::string error;
  EXPECT_FALSE(ListenUnix(path_, 0600, "", &error).valid());
  EXPECT_NE(error.find("already running (pid " + std::to_string(getpid()) + ")"),
            std::string::npos)
      << error;
  EXPECT_EQ(Echo(), "");
  // A socket file whose listener is gone is replaced.
  const std::string stale = (dir_ / "stale.sock").string();
  {
    UniqueFd s(socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, stale.c_str());
    ASSERT_EQ(bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  }
  EXPECT_TRUE(ListenUnix(stale, 0600, "", &error).valid()) << error;
}

}  // namespace
}  // namespace spamwall::proto
