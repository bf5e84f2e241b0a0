// controld's peer check (Controller::CheckPeer) against real spamwallctl
// processes run as nobody (setpriv): the socket is open to all (0666) so
// that only the check decides. A process holding socket_group as a
// supplementary group is served although /etc/group does not list nobody in
// it; the same user without it is refused with the reason; and a second
// controld on the live socket refuses to start instead of unlinking it.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "tests/control/processes.h"
#include "tests/golden/run_dataplane.h"

namespace spamwall::e2e {
namespace {

constexpr const char* kGroup = "daemon";  // exists on Debian; nobody is no member

golden::SplitResult CtlAsNobody(Stack& s, const std::string& groups,
                                const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--reuid=65534", "--regid=65534",
                                  groups.empty() ? "--clear-groups" : "--groups=" + groups,
                                  golden::BuiltBinary("spamwallctl"), "-s", s.ctl()};
  all.insert(all.end(), args.begin(), args.end());
  return golden::RunBinarySplit("/usr/bin/setpriv", all);
}

// The Stack's controld.yaml with socket_group `group` and an open mode.
void WriteGroupConfig(Stack& s, const std::string& group) {
  s.Write("controld.yaml", "policy: " + s.path("p1.yaml") + "\nsocket: " + s.ctl() +
                               "\nsocket_group: '" + group + "'\nsocket_mode: '0666'\n" +
                               "dataplane_socket: " + s.dp() + "\nstate_dir: " + s.path("state") +
                               "\naudit_log: " + s.audit() + "\nprometheus: ''\n");
}

TEST(PeerTest, GroupFromTheCredentialsDecidesAndALiveSocketIsKept) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run spamwallctl as nobody";
  group* g = getgrnam(kGroup);
  ASSERT_NE(g, nullptr) << "no group " << kGroup;
  Stack s;
  WriteGroupConfig(s, kGroup);
  ASSERT_TRUE(s.Start()) << s.Logs();

  golden::SplitResult member = CtlAsNobody(s, std::to_string(g->gr_gid), {"policy", "show"});
  EXPECT_EQ(member.exit_code, 0) << member.err;
  EXPECT_TRUE(Contains(member.out, "generation")) << member.out;

  golden::SplitResult other = CtlAsNobody(s, "", {"policy", "show"});
  EXPECT_EQ(other.exit_code, 1) << other.out << other.err;
  EXPECT_TRUE(Contains(other.err, "may not use " + s.ctl())) << other.err;
  EXPECT_TRUE(Contains(other.err, "membership in group 'daemon'")) << other.err;

  // A second controld on the same socket: refused, the first one still serves.
  Process second({BuildDir() + "/spamwall-controld", "--config", s.path("controld.yaml")},
                 s.path("second.log"));
  EXPECT_TRUE(golden::WaitFor([&] { return !second.Running(); }, 20));
  EXPECT_EQ(second.Stop(), 2);
  EXPECT_TRUE(Contains(second.Log(), "already running (pid " + std::to_string(s.controld().pid())))
      << second.Log();
  EXPECT_EQ(s.Ctl({"policy", "show"}).code, 0) << s.Logs();
}

// A numeric socket_group is a gid as is, one /etc/group does not name
// (a directory service's group at boot): the socket gets it and its
// holders are served.
TEST(PeerTest, ANumericGroupNeedsNoNameInEtcGroup) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run spamwallctl as nobody";
  gid_t gid = 4242;
  while (getgrgid(gid) != nullptr) gid++;
  Stack s;
  WriteGroupConfig(s, std::to_string(gid));
  ASSERT_TRUE(s.Start()) << s.Logs();
  struct stat st;
  ASSERT_EQ(stat(s.ctl().c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, gid);
  golden::SplitResult member = CtlAsNobody(s, std::to_string(gid), {"policy", "show"});
  EXPECT_EQ(member.exit_code, 0) << member.err;
  golden::SplitResult other = CtlAsNobody(s, "", {"policy", "show"});
  EXPECT_EQ(other.exit_code, 1) << other.out << other.err;
  EXPECT_TRUE(Contains(other.err, "membership in group '" + std::to_string(gid) + "'")) << other.err;
}

}  // namespace
}  // namespace spamwall::e2e
