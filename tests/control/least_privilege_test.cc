// controld (root) never opens a path a client names. An unprivileged group
// member (setpriv, numeric ids) tries to make it read a root-only file
// through `policy check`, a {file:} pool, a symbolic link and a ../ path, and
// to make it block on a FIFO or read /dev/zero: spamwallctl reads every file
// with the member's own rights and refuses, controld never sees the file,
// and the file's marker is in no reply, log or audit record. The member can
// still push a policy it can read.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ipc/client.h"
#include "tests/control/processes.h"

namespace spamwall::e2e {
namespace {

using nlohmann::json;

constexpr uid_t kMemberUid = 4242;
constexpr char kMarker[] = "sw-secret-7f3a9c";

class LeastPrivilegeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (setpriv to another uid)";
    // A group that exists by name (controld's socket_group is a name); the
    // member is gid-only, it needs no account.
    group* g = getgrgid(100);
    if (!g) GTEST_SKIP() << "no group with gid 100";
    gid_ = g->gr_gid;
    stack_.SetSocketGroup(g->gr_name, "0660");
    stack_.WriteConfig();
    ASSERT_TRUE(stack_.Start()) << stack_.Logs();
    // What the member may read: its own directory; the secret: root's, 0600,
    // written so that a reader would echo it ("malformed prefix ... 'sw-...'").
    member_ = stack_.path("member");
    mkdir(member_.c_str(), 0755);
    mkdir((member_ + "/sub").c_str(), 0755);
    secret_ = stack_.path("secret.txt");
    std::ofstream(secret_) << kMarker << "\n";
    chmod(secret_.c_str(), 0600);
    std::filesystem::create_symlink(secret_, member_ + "/link.txt");
    ASSERT_EQ(mkfifo((member_ + "/fifo").c_str(), 0666), 0);
  }

  void WriteMember(const std::string& name, const std::string& text) {
    std::ofstream(member_ + "/" + name) << text;
    chmod((member_ + "/" + name).c_str(), 0644);
  }

  CtlResult Member(const std::vector<std::string>& args) { return RunCtlAs(kMemberUid, gid_, stack_.ctl(), args); }

  // The marker nowhere: not in a reply, not in controld's log, not audited.
  void ExpectNoLeak(const CtlResult& r) {
    EXPECT_FALSE(Contains(r.out, kMarker)) << r.out;
    EXPECT_FALSE(Contains(r.err, kMarker)) << r.err;
    EXPECT_FALSE(Contains(stack_.controld().Log(), kMarker));
    EXPECT_FALSE(Contains(ReadFile(stack_.audit()), kMarker));
  }

  uint64_t Generation() { return stack_.CtlJson({"policy", "show"})["current"]["generation"]; }

  Stack stack_;
  gid_t gid_ = 0;
  std::string member_, secret_;
};

TEST_F(LeastPrivilegeTest, ARootOnlyFileIsNeverRead) {
  const uint64_t gen = Generation();
  // Named directly, as the policy.
  CtlResult r = Member({"policy", "check", secret_});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(Contains(r.err, secret_ + ": Permission denied")) << r.err;
  ExpectNoLeak(r);

  // As a pool, by absolute path, through a link, through ../.
  const std::vector<std::pair<std::string, std::string>> pools = {
      {"abs.yaml", secret_}, {"link.yaml", "link.txt"}, {"sub/dots.yaml", "../../secret.txt"}};
  for (const auto& [name, pool] : pools) {
    SCOPED_TRACE(name);
    WriteMember(name, "version: 1\ninternal: {file: " + pool + "}\n");
    for (const char* verb : {"check", "push"}) {
      r = Member({"policy", verb, member_ + "/" + name});
      EXPECT_EQ(r.code, 1) << r.err;
      EXPECT_TRUE(Contains(r.err, "Permission denied")) << r.err;
      ExpectNoLeak(r);
    }
  }

  // A client that names the path itself (not spamwallctl) is refused unread.
  proto::Client c;
  json reply;
  std::string error;
  ASSERT_TRUE(c.Connect(stack_.ctl(), 5, &error)) << error;
  ASSERT_TRUE(c.Call("policy.check", {{"path", secret_}}, &reply, &error)) << error;
  EXPECT_EQ(reply["error"]["code"], "bad_request") << reply.dump();
  EXPECT_TRUE(Contains(reply.dump(), "does not open files a client names")) << reply.dump();
  EXPECT_FALSE(Contains(reply.dump(), kMarker));
  EXPECT_EQ(Generation(), gen);  // nothing was pushed
}

TEST_F(LeastPrivilegeTest, AFifoOrADeviceIsRefusedAtOnce) {
  WriteMember("fifo.yaml", "version: 1\ninternal: {file: fifo}\n");
  WriteMember("zero.yaml", "version: 1\nquarantine: {file: /dev/zero}\n");
  CtlResult r = Member({"policy", "push", member_ + "/fifo.yaml"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, member_ + "/fifo: is a FIFO, not a regular file")) << r.err;
  r = Member({"policy", "check", member_ + "/zero.yaml"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "/dev/zero: is a character device, not a regular file")) << r.err;
  r = Member({"policy", "check", member_ + "/fifo"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "is a FIFO")) << r.err;
  r = Member({"quarantine", "add", "-f", "/dev/zero"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "is a character device")) << r.err;
  // controld was never involved and answers as ever, root and member alike.
  EXPECT_EQ(stack_.Ctl({"stats"}).code, 0);
  r = Member({"-j", "policy", "show"});
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(LeastPrivilegeTest, TheMemberPushesWhatItCanRead) {
  const uint64_t gen = Generation();
  WriteMember("pool.txt", "100.64.0.0/10\n");
  WriteMember("sub/ok.yaml",
              "version: 1\nsubscribers: {consumer: {file: ../pool.txt}}\ninternal: [100.64.0.0/10]\n"
              "mail: {smtp_ports: [25], mx_servers: [198.51.100.25]}\n");
  CtlResult r = Member({"-j", "policy", "push", member_ + "/sub/ok.yaml"});
  ASSERT_EQ(r.code, 0) << r.err << stack_.Logs();
  json j = json::parse(r.out);
  EXPECT_EQ(j["generation"], gen + 1);
  EXPECT_EQ(j["source"], member_ + "/sub/ok.yaml");
  // Audited as the member, with the paths and not the bytes.
  json audit = stack_.CtlJson({"audit", "1", "--user", std::to_string(kMemberUid)});
  ASSERT_EQ(audit["records"].size(), 1u) << audit.dump();
  EXPECT_EQ(audit["records"][0]["result"], "ok");
  EXPECT_EQ(audit["records"][0]["args"]["files"], 2);
  r = Member({"quarantine", "add", "100.64.1.2"});
  EXPECT_EQ(r.code, 0) << r.err;
}

}  // namespace
}  // namespace spamwall::e2e
