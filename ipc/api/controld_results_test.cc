// The typed results: what controld sends reads back as the same struct, and
// a field of the wrong type or a required one missing is named.
#include "ipc/api/controld_results.h"

#include <gtest/gtest.h>

namespace spamwall::api::ctl {
namespace {

using nlohmann::json;

template <class T>
json RoundTrip(const T& v) {
  T back;
  std::string error;
  EXPECT_TRUE(T::FromJson(v.ToJson(), &back, &error)) << error;
  return back.ToJson();
}

TEST(ControldResultsTest, WhatIsSentReadsBackTheSame) {
  PushResult push;
  push.generation = 7;
  push.previous_generation = 6;
  push.source = "/p.yaml";
  push.compile_ms = 1.5;
  push.dataplane = {{"load_ms", 0.9}};
  push.warnings = {"w"};
  push.changes.lists = {{"consumer", {2, 1}}, {"quarantine", {0, 3}}};
  push.changes.mode = ModeChange{"enforce", "monitor"};
  EXPECT_EQ(RoundTrip(push), push.ToJson());

  ShowResult show;
  show.current = GenerationRecord{7, "/p.yaml", "enforce", "enforce", "2026-12-02", "root", "t", "d", true,
                                  {{"consumer", 3}}, {}};
  show.saved_generations = {5, 6, 7};
  show.mode = ModeInfo{"monitor", "enforce", "override", "alice", "t"};
  show.overrides = {{"mode", "monitor", "mode monitor overrides the file", "alice", "t"}};
  show.dataplane_error = "not reachable";
  EXPECT_EQ(RoundTrip(show), show.ToJson());

  CheckResult check;
  check.path = "/p.yaml";
  check.valid = true;
  check.mode = {"enforce", "monitor"};
  check.diff = PolicyDiffCounts{{{"consumer", {1, 2, 1, 0}}}, {std::nullopt, "enforce"}};
  EXPECT_EQ(RoundTrip(check), check.ToJson());
  EXPECT_TRUE(check.ToJson()["diff"]["mode"]["current"].is_null());

  ExemptListResult list;
  list.entries = {{"100.64.0.0/24", "o", "r", "2099-01-01", "active", 3, "overlay", "bob", "t"}};
  list.today = "2026-12-02";
  EXPECT_EQ(RoundTrip(list), list.ToJson());

  StatsResult stats;
  stats.dataplane = {{"packets", 10}, {"dropped", {{"consumer_smtp", 1}}}};
  stats.packets_per_s = 2.5;
  stats.controld_generation = 4;
  const json wire = stats.ToJson();
  EXPECT_EQ(wire["packets"], 10);  // the dataplane's fields at the top, as sent
  EXPECT_EQ(RoundTrip(stats), wire);
}

TEST(ControldResultsTest, AWrongTypeOrAMissingFieldIsNamed) {
  PushResult push;
  std::string error;
  EXPECT_FALSE(PushResult::FromJson(json{{"generation", 1}, {"changes", {{"consumer", {{"added", "2"}}}}}}, &push,
                                    &error));
  EXPECT_EQ(error, "changes.consumer.added: not an unsigned integer (string)");
  EXPECT_FALSE(PushResult::FromJson(json{{"source", "x"}}, &push, &error));
  EXPECT_EQ(error, "generation: missing");
  ShowResult show;
  EXPECT_FALSE(ShowResult::FromJson(json{{"saved_generations", {1, -2}}}, &show, &error));
  EXPECT_EQ(error, "saved_generations[1]: not an unsigned integer (number)");
  EXPECT_FALSE(ShowResult::FromJson(json::array(), &show, &error));
  EXPECT_EQ(error, "the answer: not an object (array)");
  // Unknown fields are a newer controld's: skipped.
  EXPECT_TRUE(ShowResult::FromJson(json{{"newer", 1}}, &show, &error)) << error;
}

}  // namespace
}  // namespace spamwall::api::ctl
