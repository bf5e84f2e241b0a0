#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "control/controld/audit_log.h"

namespace spamwall::controld {
namespace {

TEST(AuditLogTest, LineFormat) {
  AuditRecord r;
  r.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1714566896789));
  r.peer.user = "alice";
  r.peer.uid = 1000;
  r.peer.pid = 4242;
  r.cmd = "quarantine.add";
  r.id = "1-2-3";
  r.args = {{"addr", "100.64.1.2"}};
  r.result = "ok";
  r.generation = 7;
  r.changes = {{"quarantine", {{"added", 1}, {"removed", 0}}}};
  std::string line = FormatAuditLine(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(j["phase"], "outcome");
  EXPECT_EQ(j["id"], "1-2-3");
  EXPECT_EQ(j["user"], "alice");
  EXPECT_EQ(j["uid"], 1000);
  EXPECT_EQ(j["pid"], 4242);
  EXPECT_EQ(j["cmd"], "quarantine.add");
  EXPECT_EQ(j["args"]["addr"], "100.64.1.2");
  EXPECT_EQ(j["result"], "ok");
  EXPECT_EQ(j["generation"], 7);
  EXPECT_EQ(j["changes"]["quarantine"]["added"], 1);
}

std::string TempPath(const std::string& name) {
  return std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()));
}

AuditRecord Rec(const std::string& user, const std::string& phase, const std::string& id, uint64_t gen) {
  AuditRecord r;
  r.time = std::chrono::system_clock::time_point(std::chrono::hours(24 * 365 * 56 + 24 * gen));
  r.peer.user = user;
  r.peer.uid = user == "alice" ? 1000 : 1001;
  r.phase = phase;
  r.id = id;
  r.cmd = "mode.set";
  r.generation = gen;
  r.args = {{"mode", std::string("bad\xff")}};  // invalid UTF-8 must not lose the record
  return r;
}

TEST(AuditLogTest, TailsOutcomesFromTheEndAndFilters) {
  const std::string path = TempPath("audit-tail");
  std::filesystem::remove(path);
  AuditLog log;
  std::string e;
  ASSERT_TRUE(log.Open(path, &e)) << e;
  for (int i = 0; i < 6; i++) {
    const std::string id = "r" + std::to_string(i), user = i % 2 ? "bob" : "alice";
    ASSERT_TRUE(log.Append(Rec(user, "intent", id, i), &e)) << e;
    if (i != 5) ASSERT_TRUE(log.Append(Rec(user, "outcome", id, i), &e)) << e;  // r5: no outcome
  }
  AuditTailResult t;
  AuditQuery q;
  q.n = 3;
  ASSERT_TRUE(log.Tail(q, &t, &e)) << e;
  ASSERT_EQ(t.records.size(), 3u);
  EXPECT_EQ(t.records[0]["generation"], 3);
  EXPECT_EQ(t.records[1]["generation"], 4);
  EXPECT_EQ(t.records[1]["phase"], "outcome");
  EXPECT_EQ(t.records[2]["id"], "r5");  // an intent that never got an outcome is shown as such
  EXPECT_EQ(t.records[2]["phase"], "intent");
  EXPECT_NE(t.records[2]["result"].get<std::string>().find("no outcome"), std::string::npos);

  q.n = 100;
  q.user = "bob";
  ASSERT_TRUE(log.Tail(q, &t, &e)) << e;
  ASSERT_EQ(t.records.size(), 3u);  // r1, r3, r5
  for (const auto& r : t.records) EXPECT_EQ(r["user"], "bob");
  q.user = "1000";  // by uid
  ASSERT_TRUE(log.Tail(q, &t, &e)) << e;
  EXPECT_EQ(t.records.size(), 3u);

  q.user.clear();
  q.since = IsoUtc(Rec("x", "outcome", "", 4).time).substr(0, 10);  // the day of generation 4
  ASSERT_TRUE(log.Tail(q, &t, &e)) << e;
  ASSERT_EQ(t.records.size(), 2u);
  EXPECT_EQ(t.records[0]["generation"], 4);

  // The byte budget: only the end of the file is read.
  q.since.clear();
  q.max_bytes = 300;
  ASSERT_TRUE(log.Tail(q, &t, &e)) << e;
  EXPECT_TRUE(t.budget_hit);
  EXPECT_LE(t.records.size(), 2u);
  std::filesystem::remove(path);
}

TEST(AuditLogTest, RefusesLinksAndReopens) {
  const std::string path = TempPath("audit-reopen"), link = TempPath("audit-link");
  std::filesystem::remove(path);
  std::filesystem::remove(link);
  { std::ofstream(path) << ""; }
  std::filesystem::create_symlink(path, link);
  AuditLog bad;
  std::string e;
  EXPECT_FALSE(bad.Open(link, &e));
  EXPECT_NE(e.find("symbolic link"), std::string::npos) << e;

  AuditLog log;
  ASSERT_TRUE(log.Open(path, &e)) << e;
  ASSERT_TRUE(log.Append(Rec("alice", "outcome", "a", 1), &e)) << e;
  std::filesystem::rename(path, path + ".1");  // logrotate
  ASSERT_TRUE(log.Reopen(&e)) << e;
  ASSERT_TRUE(log.Append(Rec("alice", "outcome", "b", 2), &e)) << e;
  std::ifstream fresh(path), rotated(path + ".1");
  std::string a, b;
  std::getline(fresh, a);
  std::getline(rotated, b);
  EXPECT_EQ(nlohmann::json::parse(a)["id"], "b");
  EXPECT_EQ(nlohmann::json::parse(b)["id"], "a");
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".1");
  std::filesystem::remove(link);
}

TEST(AuditLogTest, CapsArguments) {
  nlohmann::json big = {{"reason", std::string(1 << 20, 'x')}, {"list", nlohmann::json::array()}};
  for (int i = 0; i < 1000; i++) big["list"].push_back(i);
  nlohmann::json c = CappedArgs(big);
  EXPECT_LT(c.dump().size(), 4200u);
  EXPECT_NE(c["reason"].get<std::string>().find("(1048576 bytes)"), std::string::npos);
  EXPECT_EQ(c["list"].size(), 17u);
  EXPECT_EQ(c["list"][16], "(984 more)");
  nlohmann::json bundle = {{"bundle", {{"files", {{{"path", "/a/p.yaml"}, {"size", 9}}, {{"path", "/a/x"}, {"size", 1}}}}}}};
  EXPECT_EQ(CappedArgs(bundle), (nlohmann::json{{"path", "/a/p.yaml"}, {"files", 2}}));
  nlohmann::json wide = nlohmann::json::object();
  for (int i = 0; i < 16; i++) wide["k" + std::to_string(i)] = std::string(255, 'y');
  EXPECT_TRUE(CappedArgs(wide).contains("capped"));  // over 4 KiB in all
}

}  // namespace
}  // namespace spamwall::controld
