// End to end: the real spamwall-dataplane over DPDK net_pcap ports, fed the
// packet fixtures (tests/fixtures/packets.yaml) and the bundled demo traffic.
// Every frame must leave on the pass or the drop pcap, unchanged, as its
// fixture says, and STATS.json must count it under the right reason.
#include <gtest/gtest.h>

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "control/policy/policy_loader.h"
#include "dataplane/core/prefix.h"
#include "dataplane/core/verdict.h"
#include "tests/fixtures/fixture.h"
#include "tests/golden/run_dataplane.h"
#include "tests/traffic/pcap_file.h"

namespace spamwall::golden {
namespace {

using Frames = std::vector<std::vector<uint8_t>>;

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

struct Expected {
  Frames pass, drop;
  std::map<std::string, uint64_t> dropped, would_drop;
};

// via_image: the policy compiled by spamwall-compile and booted with
// --policy-image (the path a restarted inline box takes) must judge alike.
void RunFixtures(bool monitor, bool via_image = false) {
  fixtures::FixtureSet set = fixtures::LoadFixtureFile(fixtures::DefaultFixtureFile());
  ASSERT_FALSE(set.fixtures.empty());
  TempDir dir;
  Frames in;
  Expected want;
  for (const auto& f : set.fixtures) {
    in.push_back(f.frame);
    bool drop = monitor ? f.expect_monitor_drop : f.expect_drop;
    uint8_t reason = monitor ? f.expect_monitor_reason : f.expect_reason;
    (drop ? want.drop : want.pass).push_back(f.frame);
    if (drop) want.dropped[std::string(ReasonName(reason))]++;
    else if (reason) want.would_drop[std::string(ReasonName(reason))]++;
  }
  traffic::WritePcap(dir / "in.pcap", in);
  std::vector<std::string> boot = {"--policy", monitor ? set.monitor_policy : set.policy};
  if (via_image) {
    RunResult c = RunBinary(BuiltBinary("spamwall-compile"),
                            {boot[1], "-o", dir / "policy.img", "--generation", "42"});
    ASSERT_EQ(c.exit_code, 0) << c.output;
    boot = {"--policy-image", dir / "policy.img"};
  }
  boot.insert(boot.end(), {"--pcap-in", dir / "in.pcap", "--pcap-out", dir / "pass.pcap",
                           "--pcap-drop", dir / "drop.pcap", "--stats-json", dir / "stats.json"});
  RunResult r = RunDataplane(boot);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  if (via_image) {
    EXPECT_NE(r.output.find("booting generation 42"), std::string::npos) << r.output;
  }

  Frames pass = traffic::ReadPcapFrames(dir / "pass.pcap");
  Frames drop = traffic::ReadPcapFrames(dir / "drop.pcap");
  ASSERT_EQ(pass.size(), want.pass.size()) << r.output;
  ASSERT_EQ(drop.size(), want.drop.size()) << r.output;
  // Frames leave unchanged and in order: compare byte for byte.
  for (size_t i = 0; i < pass.size(); i++) EXPECT_EQ(pass[i], want.pass[i]) << "pass frame " << i;
  for (size_t i = 0; i < drop.size(); i++) EXPECT_EQ(drop[i], want.drop[i]) << "drop frame " << i;

  nlohmann::json s = ReadJson(dir / "stats.json");
  EXPECT_EQ(s["packets"], in.size());
  EXPECT_EQ(s["passed"], want.pass.size());
  for (const char* reason : {"consumer_smtp", "mx_fence", "quarantine", "malformed"}) {
    EXPECT_EQ(s["dropped"][reason], want.dropped[reason]) << reason;
    EXPECT_EQ(s["would_drop"][reason], want.would_drop[reason]) << reason;
  }
  EXPECT_NE(r.output.find("packets"), std::string::npos) << r.output;
}

TEST(DataplaneOfflineTest, FixturesEnforce) { RunFixtures(false); }
TEST(DataplaneOfflineTest, FixturesMonitor) { RunFixtures(true); }
TEST(DataplaneOfflineTest, FixturesFromACompiledImage) { RunFixtures(false, true); }
TEST(DataplaneOfflineTest, FixturesMonitorFromACompiledImage) { RunFixtures(true, true); }

TEST(DataplaneOfflineTest, NoUsablePolicyOfflineIsARefusalNotASafeState) {
  TempDir dir;
  traffic::WritePcap(dir / "in.pcap", Frames{});
  std::ofstream(dir / "bad.img") << "not an image";
  RunResult r = RunDataplane({"--policy-image", dir / "bad.img", "--pcap-in", dir / "in.pcap",
                              "--pcap-out", dir / "pass.pcap"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("boot image refused: " + (dir / "bad.img")), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("SAFE STATE"), std::string::npos) << r.output;
}

// The demo's pcap through the demo's policy: the dataplane agrees with the
// reference verdict function frame by frame (same parser and rules, here
// through DPDK ports), and every frame is accounted for.
TEST(DataplaneOfflineTest, DemoTrafficMatchesReferenceVerdicts) {
  const std::string src = fixtures::FixturesDir() + "/../..";
  TempDir dir;
  RunResult r = RunDataplane({"--policy", src + "/examples/policy.yaml", "--pcap-in",
                              src + "/examples/traffic.pcap", "--pcap-out", dir / "pass.pcap",
                              "--pcap-drop", dir / "drop.pcap", "--stats-json", dir / "stats.json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Diagnostics diag;
  auto policy = LoadAndCompile(src + "/examples/policy.yaml", CompileOptions{}, &diag);
  ASSERT_NE(policy, nullptr) << diag.ToString();
  Frames in = traffic::ReadPcapFrames(src + "/examples/traffic.pcap");
  Frames want_pass, want_drop;
  std::map<std::string, uint64_t> dropped, attempts;
  for (const auto& f : in) {
    sw_parsed p;
    uint32_t n = static_cast<uint32_t>(f.size());
    Verdict v = ClassifyFrame(*policy, f.data(), n, n, &p);
    (v.drop ? want_drop : want_pass).push_back(f);
    if (v.drop) dropped[std::string(ReasonName(v.reason))]++;
    // A blocked attempt: a SYN (not SYN-ACK) a mail rule dropped, counted
    // against its source.
    if (v.drop && v.reason != SW_REASON_MALFORMED && p.has_ports && p.l4_offset + 14u <= n &&
        (f[p.l4_offset + 13] & 0x12) == 0x02)
      attempts[FormatAddress(p.l3 == SW_L3_IPV4 ? 4 : 6, p.src)]++;
  }
  EXPECT_EQ(traffic::ReadPcapFrames(dir / "pass.pcap"), want_pass);
  EXPECT_EQ(traffic::ReadPcapFrames(dir / "drop.pcap"), want_drop);
  nlohmann::json s = ReadJson(dir / "stats.json");
  EXPECT_EQ(s["packets"], in.size());
  for (const char* reason : {"consumer_smtp", "mx_fence", "quarantine", "malformed"}) {
    EXPECT_EQ(s["dropped"][reason], dropped[reason]) << reason;
    EXPECT_GT(dropped[reason], 0u) << "the demo traffic should show every reason: " << reason;
  }
  // The zombie table: the ten subscribers with the most blocked attempts,
  // each counted exactly.
  ASSERT_FALSE(attempts.empty());
  std::vector<uint64_t> most;
  for (const auto& [who, n] : attempts) most.push_back(n);
  std::sort(most.rbegin(), most.rend());
  ASSERT_EQ(s["zombies"].size(), std::min<size_t>(10, attempts.size())) << s["zombies"];
  for (size_t i = 0; i < s["zombies"].size(); i++) {
    const nlohmann::json& z = s["zombies"][i];
    EXPECT_EQ(z["attempts"], attempts[z["subscriber"]]) << z;
    EXPECT_EQ(z["attempts"], most[i]) << "ranked by attempts";
  }
  uint64_t total = 0;
  for (const auto& [who, n] : attempts) total += n;
  EXPECT_EQ(s["sampling"]["attempts_recorded"], total);
}

// Bad input: a clear message naming what and where, a non-zero exit, and
// no output pretending to be a result.
TEST(DataplaneOfflineTest, BadInputIsRefusedClearly) {
  TempDir dir;
  const std::string policy = fixtures::FixturesDir() + "/policy.yaml";
  traffic::WritePcap(dir / "in.pcap", Frames{std::vector<uint8_t>(60, 0)});

  RunResult r = RunDataplane({"--policy", policy, "--pcap-in", dir / "missing.pcap", "--pcap-out", dir / "o.pcap"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(dir / "missing.pcap" + ": no such file"), std::string::npos) << r.output;

  std::ofstream(dir / "text.pcap") << "this is not a pcap\n";
  r = RunDataplane({"--policy", policy, "--pcap-in", dir / "text.pcap", "--pcap-out", dir / "o.pcap"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("text.pcap: not a readable pcap file"), std::string::npos) << r.output;

  r = RunDataplane({"--policy", dir / "nope.yaml", "--pcap-in", dir / "in.pcap", "--pcap-out", dir / "o.pcap"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("nope.yaml: cannot read policy file"), std::string::npos) << r.output;

  std::ofstream(dir / "bad.yaml") << "version: 1\nmail:\n  smtp_ports: [25, 587]\n  submission_ports: [465]\n";
  r = RunDataplane({"--policy", dir / "bad.yaml", "--pcap-in", dir / "in.pcap", "--pcap-out", dir / "o.pcap"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("bad.yaml:3:20: smtp port 587 is in never_block.tcp"), std::string::npos) << r.output;

  r = RunDataplane({"--policy", policy, "--pcap-in", dir / "in.pcap", "--pcap-out", dir / "no/such/dir/o.pcap"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("no/such/dir/o.pcap: cannot write"), std::string::npos) << r.output;

  r = RunDataplane({"--policy", policy, "--pcap-in", dir / "in.pcap"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("needs --pcap-out"), std::string::npos) << r.output;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// An output that is an input, or another output, by any spelling (a link,
// "./"), is refused before anything is opened for writing: the input stays
// as it was.
TEST(DataplaneOfflineTest, AnOutputThatIsAnInputOrAnotherOutputIsRefused) {
  TempDir dir;
  const std::string policy = fixtures::FixturesDir() + "/policy.yaml";
  const std::string in = dir / "in.pcap";
  std::filesystem::copy_file(fixtures::FixturesDir() + "/../../examples/traffic.pcap", in);
  const std::string before = Slurp(in);
  const std::string policy_before = Slurp(policy);
  std::filesystem::create_symlink(in, dir / "link.pcap");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--pcap-out", in}, "--pcap-out and --pcap-in are the same file"},
      {{"--pcap-out", dir / "link.pcap"}, "--pcap-out and --pcap-in are the same file"},
      {{"--pcap-out", dir / "o.pcap", "--pcap-drop", dir.path() + "/./o.pcap"},
       "--pcap-drop and --pcap-out are the same file"},
      {{"--pcap-out", dir / "o.pcap", "--pcap-drop", dir / "d.pcap", "--stats-json", in},
       "--stats-json and --pcap-in are the same file"},
      {{"--pcap-out", dir / "o.pcap", "--stats-json", policy}, "--stats-json and --policy are the same file"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"--policy", policy, "--pcap-in", in};
    args.insert(args.end(), c.args.begin(), c.args.end());
    RunResult r = RunDataplane(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << r.output;
    EXPECT_EQ(Slurp(in), before) << "the input is intact";
  }
  EXPECT_EQ(Slurp(policy), policy_before);
  // Devices may be named twice: both outputs thrown away is a valid run.
  RunResult r = RunDataplane({"--policy", policy, "--pcap-in", in, "--pcap-out", "/dev/null",
                              "--pcap-drop", "/dev/null"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// A full disk (a small tmpfs): the short pcap and the unwritable STATS.json
// are each an exit 1 naming the file, never a truncated result and exit 0;
// the input is untouched and no STATS.json is left half written.
TEST(DataplaneOfflineTest, AFullDiskIsAFailedRunNotATruncatedResult) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  TempDir dir;
  const std::string policy = fixtures::FixturesDir() + "/policy.yaml";
  const std::string in = dir / "in.pcap";
  std::filesystem::copy_file(fixtures::FixturesDir() + "/../../examples/traffic.pcap", in);
  const std::string before = Slurp(in);
  const std::string small = dir / "small";
  std::filesystem::create_directory(small);
  ASSERT_EQ(mount("tmpfs", small.c_str(), "tmpfs", 0, "size=512k"), 0) << std::strerror(errno);
  struct Unmount {
    std::string path;
    ~Unmount() { umount(path.c_str()); }
  } unmount{small};

  RunResult r = RunDataplane({"--policy", policy, "--pcap-in", in, "--pcap-out", small + "/o.pcap"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("--pcap-out: " + small + "/o.pcap"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("a full disk?"), std::string::npos) << r.output;
  EXPECT_EQ(Slurp(in), before);

  {  // the rest of the file system filled to the last byte
    std::ofstream fill(small + "/fill", std::ios::binary);
    std::string block(4096, 'x');
    while (fill.write(block.data(), block.size())) {
    }
  }
  std::filesystem::remove(small + "/o.pcap");
  {
    std::ofstream fill(small + "/fill", std::ios::binary | std::ios::app);
    std::string block(4096, 'x');
    while (fill.write(block.data(), block.size())) {
    }
  }
  r = RunDataplane({"--policy", policy, "--pcap-in", in, "--pcap-out", "/dev/null", "--stats-json",
                    small + "/s.json"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("--stats-json " + small + "/s.json: No space left on device"), std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(small + "/s.json"));
  for (const auto& e : std::filesystem::directory_iterator(small))
    EXPECT_EQ(e.path().filename(), "fill") << "no temporary left behind";
}

TEST(DataplaneOfflineTest, EmptyPcapIsAnEmptyRun) {
  TempDir dir;
  traffic::WritePcap(dir / "in.pcap", Frames{});
  RunResult r = RunDataplane({"--policy", fixtures::FixturesDir() + "/policy.yaml", "--pcap-in", dir / "in.pcap",
                              "--pcap-out", dir / "o.pcap", "--stats-json", dir / "s.json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadJson(dir / "s.json")["packets"], 0);
}

}  // namespace
}  // namespace spamwall::golden
