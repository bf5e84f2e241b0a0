// Bulk quarantine and exemptions: spamwallctl reads -f FILE, controld applies
// the whole file as one generation (one compile), all or nothing, with the
// per-line problems listed (capped).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/control/processes.h"

namespace spamwall::e2e {
namespace {

using nlohmann::json;

uint64_t Generation(Stack& s) { return s.CtlJson({"policy", "show"})["current"]["generation"]; }

TEST(BulkTest, AFileIsOneGenerationAllOrNothing) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  std::string list = "# subscribers to stop\n";
  for (int i = 0; i < 2000; i++) list += "100.65." + std::to_string(i / 250) + "." + std::to_string(i % 250) + "\n";
  s.Write("q.txt", list);
  const uint64_t gen = Generation(s);
  json add = s.CtlJson({"quarantine", "add", "-f", s.path("q.txt")});
  EXPECT_EQ(add["generation"], gen + 1);
  EXPECT_EQ(add["changes"]["quarantine"]["added"], 2000) << add.dump();
  EXPECT_EQ(s.CtlJson({"policy", "show"})["overlay"]["quarantine"].size(), 2000u);

  // Again: every line is already there; refused, capped, nothing changes.
  CtlResult r = s.Ctl({"quarantine", "add", "-f", s.path("q.txt")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "quarantine.add refused (nothing was changed):\nline 2: 100.65.0.0/32 is already"))
      << r.err.substr(0, 300);
  EXPECT_TRUE(Contains(r.err, "\nand 1900 more\n")) << r.err.substr(r.err.size() - 200);
  EXPECT_EQ(Generation(s), gen + 1);

  // Bad lines are named by file and line; none of the good ones is applied.
  s.Write("bad.txt", "100.64.50.1\nnot-an-address\n::ffff:100.64.50.2\n100.64.50.3 junk\n");
  r = s.Ctl({"quarantine", "add", "-f", s.path("bad.txt")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, s.path("bad.txt") + ":2: ")) << r.err;
  EXPECT_TRUE(Contains(r.err, s.path("bad.txt") + ":3: ::ffff:100.64.50.2/128 is an IPv4-mapped")) << r.err;
  EXPECT_TRUE(Contains(r.err, s.path("bad.txt") + ":4: ")) << r.err;
  EXPECT_EQ(Generation(s), gen + 1);

  json del = s.CtlJson({"quarantine", "del", "-f", s.path("q.txt")});
  EXPECT_EQ(del["generation"], gen + 2);
  EXPECT_EQ(del["changes"]["quarantine"]["removed"], 2000);
  EXPECT_EQ(s.CtlJson({"policy", "show"})["overlay"]["quarantine"], json::array());

  s.Write("e.txt", "100.64.60.0/24\n100.64.61.0/24\n");
  json ex = s.CtlJson({"exempt", "add", "-f", s.path("e.txt"), "--owner", "ticket-9", "--reason", "relays",
                       "--expires", "2099-12-31"});
  EXPECT_EQ(ex["generation"], gen + 3);
  json list_ex = s.CtlJson({"exempt", "list"});
  int from_file = 0;
  for (const auto& e : list_ex["entries"]) from_file += e["owner"] == "ticket-9";
  EXPECT_EQ(from_file, 2);

  // ADDR and -f together, or neither: a usage error.
  EXPECT_EQ(s.Ctl({"quarantine", "add", "100.64.1.1", "-f", s.path("q.txt")}).code, 2);
  EXPECT_EQ(s.Ctl({"quarantine", "add"}).code, 2);
}

}  // namespace
}  // namespace spamwall::e2e
