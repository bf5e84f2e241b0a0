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
  r.args = {{"addr", "100.64.1.2"}};
  r.result = "ok";
  r.generation = 7;
  r.changes = {{"quarantine", {{"added", 1}, {"removed", 0}}}};
  std::string line = FormatAuditLine(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(j["user"], "alice");
  EXPECT_EQ(j["uid"], 1000);
  EXPECT_EQ(j["pid"], 4242);
  EXPECT_EQ(j["cmd"], "quarantine.add");
  EXPECT_EQ(j["args"]["addr"], "100.64.1.2");
  EXPECT_EQ(j["result"], "ok");
  EXPECT_EQ(j["generation"], 7);
  EXPECT_EQ(j["changes"]["quarantine"]["added"], 1);
}

TEST(AuditLogTest, AppendsAndTails) {
  std::string path = std::filesystem::temp_directory_path() / ("audit-test-" + std::to_string(getpid()));
  std::filesystem::remove(path);
  AuditLog log;
  std::string e;
  ASSERT_TRUE(log.Open(path, &e)) << e;
  for (int i = 0; i < 5; i++) {
    AuditRecord r;
    r.cmd = "mode.set";
    r.generation = static_cast<uint64_t>(i);
    r.args = {{"mode", std::string("bad\xff")}};  // invalid UTF-8 must not lose the record
    ASSERT_TRUE(log.Append(r, &e)) << e;
  }
  auto tail = log.Tail(2, &e);
  ASSERT_EQ(tail.size(), 2u) << e;
  EXPECT_EQ(tail[0]["generation"], 3);
  EXPECT_EQ(tail[1]["generation"], 4);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace spamwall::controld
