// Bulk quarantine and exemptions: spamwallctl reads -f FILE, controld applies
// the whole file as one generation (one compile), all or nothing, with the
// per-line problems listed (capped).
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

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

// Single adds from many clients at once: each is checked, answered and
// audited on its own; those that meet in one batch share one generation,
// and each reply says how many did.
TEST(BulkTest, ConcurrentChangesShareCompiles) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  const uint64_t gen = Generation(s);
  constexpr int kClients = 12;  // under the server's 16 connections
  std::vector<CtlResult> results(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; i++)
    threads.emplace_back([&, i] {
      // One of them bad: refused alone, the others unaffected.
      const std::string addr = i == 7 ? "::ffff:100.64.70.7" : "100.64.70." + std::to_string(i);
      results[i] = s.Ctl({"-j", "quarantine", "add", addr});
    });
  for (auto& t : threads) t.join();
  std::map<uint64_t, std::vector<int>> by_generation;
  for (int i = 0; i < kClients; i++) {
    if (i == 7) {
      EXPECT_EQ(results[i].code, 1) << results[i].err;
      EXPECT_TRUE(Contains(results[i].err, "IPv4-mapped")) << results[i].err;
      continue;
    }
    ASSERT_EQ(results[i].code, 0) << results[i].err << s.Logs();
    json j = json::parse(results[i].out);
    by_generation[j["generation"]].push_back(j["coalesced"].get<int>());
  }
  size_t total = 0;
  for (const auto& [g, coalesced] : by_generation) {
    EXPECT_GT(g, gen);
    for (int c : coalesced) EXPECT_EQ(c, static_cast<int>(coalesced.size())) << "generation " << g;
    total += coalesced.size();
  }
  EXPECT_EQ(total, static_cast<size_t>(kClients - 1));
  EXPECT_EQ(Generation(s), gen + by_generation.size());
  EXPECT_EQ(s.CtlJson({"policy", "show"})["overlay"]["quarantine"].size(), static_cast<size_t>(kClients - 1));
  std::cout << kClients - 1 << " concurrent adds made " << by_generation.size() << " generations\n";
  // Every one audited: an intent and an outcome each.
  std::ifstream log(s.audit());
  int intents = 0, ok = 0, refused = 0;
  for (std::string line; std::getline(log, line);) {
    json j = json::parse(line);
    if (j["cmd"] != "quarantine.add") continue;
    intents += j["phase"] == "intent";
    ok += j["phase"] == "outcome" && j["result"] == "ok";
    refused += j["phase"] == "outcome" && j["result"].get<std::string>().starts_with("refused: ");
  }
  EXPECT_EQ(intents, kClients);
  EXPECT_EQ(ok, kClients - 1);
  EXPECT_EQ(refused, 1);
}

}  // namespace
}  // namespace spamwall::e2e
