// The audit trail cannot be lost and the state directory is read strictly:
// an audit log on a full file system refuses the change (nothing unaudited);
// a corrupt overlay, a planted link and a second instance each stop controld
// with a clear message, and nothing is lost or silently emptied.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "tests/control/processes.h"

namespace spamwall::e2e {
namespace {

using nlohmann::json;

std::vector<json> AuditLines(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

// Fills the file system at dir until a write fails.
void Fill(const std::string& dir) {
  std::ofstream f(dir + "/filler", std::ios::binary);
  std::string block(4096, 'x');
  while (f.write(block.data(), block.size()) && f.flush()) {
  }
}

TEST(AuditFullDiskTest, AChangeThatCannotBeAuditedIsRefused) {
  Stack s;
  const std::string fs = s.path("auditfs");
  ScopedTmpfs tmpfs(fs, "64k");
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  s.SetAuditLog(fs + "/audit.log");
  s.WriteConfig();
  ASSERT_TRUE(s.Start()) << s.Logs();
  ASSERT_EQ(s.Ctl({"quarantine", "add", "100.64.9.1"}).code, 0) << s.Logs();
  const uint64_t gen = s.CtlJson({"policy", "show"})["current"]["generation"];

  // Full: the changes that still fit in the room reserved before the disk
  // filled are made and audited whole; then every change is refused.
  Fill(fs);
  int made = 0;
  CtlResult r;
  for (; made < 200; made++) {
    r = s.Ctl({"quarantine", "add", "100.64.10." + std::to_string(made)});
    if (r.code != 0) break;
  }
  ASSERT_LT(made, 200) << "the audit log never filled";
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "cannot write the audit log")) << r.err;
  EXPECT_TRUE(Contains(r.err, "nothing was changed")) << r.err;
  const uint64_t full_gen = s.CtlJson({"policy", "show"})["current"]["generation"];
  EXPECT_EQ(full_gen, gen + made);
  const json overlay_full = s.CtlJson({"policy", "show"})["overlay"];
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"quarantine", "add", "100.64.9.2"}, {"mode", "monitor"}, {"policy", "push", s.path("p2.yaml")}}) {
    r = s.Ctl(args);
    EXPECT_EQ(r.code, 1) << args[0];
    EXPECT_TRUE(Contains(r.err, "cannot write the audit log")) << r.err;
  }
  json show = s.CtlJson({"policy", "show"});
  EXPECT_EQ(show["current"]["generation"], full_gen);
  EXPECT_EQ(show["overlay"], overlay_full);
  EXPECT_EQ(show["overlay"]["mode"], nullptr);
  EXPECT_EQ(s.Ctl({"stats"}).code, 0);  // reads go on

  std::filesystem::remove(fs + "/filler");
  ASSERT_EQ(s.Ctl({"quarantine", "add", "100.64.9.2"}).code, 0) << s.Logs();

  // Nothing unaudited: every generation controld made has its intent and its
  // "ok" outcome; no line is torn.
  std::set<uint64_t> audited;
  std::set<std::string> intents;
  for (const json& j : AuditLines(fs + "/audit.log")) {
    if (j["phase"] == "intent") intents.insert(j["id"].get<std::string>());
    if (j["phase"] == "outcome" && j["result"] == "ok") {
      EXPECT_TRUE(intents.count(j["id"].get<std::string>())) << j.dump();
      audited.insert(j["generation"].get<uint64_t>());
    }
  }
  const uint64_t now = s.CtlJson({"policy", "show"})["current"]["generation"];
  EXPECT_EQ(now, full_gen + 1);
  for (uint64_t g = gen; g <= now; g++) EXPECT_TRUE(audited.count(g)) << g << ReadFile(fs + "/audit.log");
}

// logrotate renames the log and sends SIGHUP: the next records go to a new
// file at the configured path, none is lost between the two.
TEST(AuditReopenTest, SighupReopensTheLog) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  ASSERT_EQ(s.Ctl({"quarantine", "add", "100.64.9.1"}).code, 0);
  std::filesystem::rename(s.audit(), s.audit() + ".1");
  ASSERT_EQ(kill(s.controld().pid(), SIGHUP), 0);
  ASSERT_TRUE(golden::WaitFor([&] { return Contains(s.controld().Log(), "SIGHUP: reopened the audit log"); }, 10))
      << s.Logs();
  ASSERT_EQ(s.Ctl({"quarantine", "add", "100.64.9.2"}).code, 0);
  std::vector<json> old_lines = AuditLines(s.audit() + ".1"), new_lines = AuditLines(s.audit());
  ASSERT_EQ(new_lines.size(), 2u);
  EXPECT_EQ(new_lines[1]["args"]["addr"], "100.64.9.2");
  EXPECT_EQ(old_lines.back()["args"]["addr"], "100.64.9.1");
  // audit reads the new file.
  EXPECT_EQ(s.CtlJson({"audit", "5"})["records"].size(), 1u);
}

// controld started on a state directory, expected to stop: its exit code
// and its log.
struct Refusal {
  int code;
  std::string log;
};
Refusal StartExpectingRefusal(Stack& s, const std::string& log_name) {
  Process p({BuildDir() + "/spamwall-controld", "--config", s.path("controld.yaml")}, s.path(log_name));
  golden::WaitFor([&] { return !p.Running(); }, 20);
  Refusal r{p.Running() ? -1 : p.Stop(), ""};
  r.log = p.Log();
  return r;
}

TEST(StateStrictTest, ACorruptOverlayStopsTheStartAndIsKept) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"version": 1, "quarantine": [5]})", "overlay.json: quarantine[0]: must be a string, not number"},
      {R"({"version": 1, "exemptions": [{"prefix": 7}]})", "overlay.json: exemptions[0].prefix: must be a string"},
      {R"({"version": 2})", "overlay.json: version: must be 1"},
      {R"({"version": 1, "quarantin": []})", "overlay.json: unknown key 'quarantin'"},
      {R"({"version": 1, "quarantine": ["::ffff:100.64.1.1"]})", "use its IPv4 form 100.64.1.1/32"},
      {"{not json", "overlay.json: not valid JSON"}};
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    Stack s;
    s.Write("state/overlay.json", text);
    ASSERT_TRUE(s.StartDataplane());
    Refusal r = StartExpectingRefusal(s, "controld.log");
    EXPECT_EQ(r.code, 2) << r.log;
    EXPECT_TRUE(Contains(r.log, message)) << r.log;
    EXPECT_EQ(ReadFile(s.path("state/overlay.json")), text);  // kept as it was, not emptied
  }
}

TEST(StateStrictTest, PlantedLinksAreNeverFollowed) {
  Stack s;
  const std::string victim = s.path("victim");
  std::ofstream(victim) << "precious\n";
  // The overlay itself a link: refused at the start.
  std::filesystem::create_symlink(victim, s.path("state/overlay.json"));
  ASSERT_TRUE(s.StartDataplane());
  Refusal r = StartExpectingRefusal(s, "controld-1.log");
  EXPECT_EQ(r.code, 2) << r.log;
  EXPECT_TRUE(Contains(r.log, "overlay.json: is a symbolic link (refused)")) << r.log;
  // Links at the temporary names a writer once used: a write never goes
  // through them (mkstemp names its own).
  std::filesystem::remove(s.path("state/overlay.json"));
  for (const char* name : {"overlay.json.tmp", "generation.tmp", "lock.tmp"})
    std::filesystem::create_symlink(victim, s.path(std::string("state/") + name));
  ASSERT_TRUE(s.StartControld()) << s.Logs();
  ASSERT_EQ(s.Ctl({"quarantine", "add", "100.64.9.9"}).code, 0) << s.Logs();
  EXPECT_EQ(ReadFile(victim), "precious\n");
  struct stat st;
  ASSERT_EQ(lstat(s.path("state/overlay.json").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_TRUE(Contains(ReadFile(s.path("state/overlay.json")), "100.64.9.9/32"));
}

TEST(StateStrictTest, ASecondInstanceStopsBeforeTouchingAnything) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  const uint64_t gen = s.CtlJson({"policy", "show"})["current"]["generation"];
  struct stat before;
  ASSERT_EQ(stat(s.ctl().c_str(), &before), 0);
  // The same configuration (the same socket and state directory).
  Refusal r = StartExpectingRefusal(s, "controld-2.log");
  EXPECT_EQ(r.code, 2) << r.log;
  EXPECT_TRUE(Contains(r.log, "already running (pid " + std::to_string(s.controld().pid()) + ")")) << r.log;
  struct stat after;
  ASSERT_EQ(stat(s.ctl().c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // the live socket was not replaced
  EXPECT_EQ(s.CtlJson({"policy", "show"})["current"]["generation"], gen);
}

TEST(StateStrictTest, AStateDirOthersCanWriteIsRefused) {
  Stack s;
  chmod(s.path("state").c_str(), 0770);
  ASSERT_TRUE(s.StartDataplane());
  Refusal r = StartExpectingRefusal(s, "controld.log");
  EXPECT_EQ(r.code, 2) << r.log;
  EXPECT_TRUE(Contains(r.log, "is writable by its group or by others (mode 0770)")) << r.log;
}

}  // namespace
}  // namespace spamwall::e2e
