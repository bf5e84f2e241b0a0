#include <gtest/gtest.h>

#include "control/controld/policy_diff.h"
#include "control/policy/policy_loader.h"

namespace spamwall::controld {
namespace {

Policy Load(const std::string& text) {
  Diagnostics d;
  auto p = LoadPolicyText(text, "p.yaml", "", &d);
  EXPECT_TRUE(p) << d.ToString();
  return p ? *p : Policy{};
}

TEST(PolicyDiffTest, CountsPerList) {
  Policy a = Load("version: 1\nsubscribers: {consumer: [100.64.0.0/10, 10.0.0.0/8]}\n"
                  "quarantine: [100.64.9.9]\nmail: {smtp_ports: [25]}\n");
  Policy b = Load("version: 1\nmode: monitor\nsubscribers: {consumer: [10.0.0.0/8, 192.0.2.0/24, 198.51.100.0/24]}\n"
                  "mail: {smtp_ports: [25, 2525]}\n");
  const api::ctl::PolicyDiffCounts typed = PolicyDiff(&a, b);
  nlohmann::json d = typed.ToJson();
  EXPECT_EQ(d["consumer"], (nlohmann::json{{"current", 2}, {"new", 3}, {"added", 2}, {"removed", 1}}));
  EXPECT_EQ(d["quarantine"], (nlohmann::json{{"current", 1}, {"new", 0}, {"added", 0}, {"removed", 1}}));
  EXPECT_EQ(d["smtp_ports"]["added"], 1);
  EXPECT_EQ(d["business"], (nlohmann::json{{"current", 0}, {"new", 0}, {"added", 0}, {"removed", 0}}));
  EXPECT_EQ(d["mode"]["new"], "monitor");
  nlohmann::json c = ChangedLists(typed).ToJson();
  EXPECT_TRUE(c.contains("consumer"));
  EXPECT_TRUE(c.contains("mode"));
  EXPECT_FALSE(c.contains("business"));
  EXPECT_EQ(c["quarantine"], (nlohmann::json{{"added", 0}, {"removed", 1}}));
}

TEST(PolicyDiffTest, NothingLoadedYetAddsEverything) {
  Policy b = Load("version: 1\ninternal: [203.0.113.0/24, 2001:db8::/32]\n");
  nlohmann::json d = PolicyDiff(nullptr, b).ToJson();
  EXPECT_EQ(d["internal"], (nlohmann::json{{"current", 0}, {"new", 2}, {"added", 2}, {"removed", 0}}));
  EXPECT_TRUE(d["mode"]["current"].is_null());
}

TEST(PolicyDiffTest, ReorderingChangesNothing) {
  Policy a = Load("version: 1\ninternal: [203.0.113.0/24, 198.51.100.0/24]\n");
  Policy b = Load("version: 1\ninternal: [198.51.100.0/24, 203.0.113.0/24]\n");
  EXPECT_TRUE(ChangedLists(PolicyDiff(&a, b)).empty());
}

TEST(PolicyDiffTest, ThresholdsSamplingAndSignaturesAreLists) {
  const std::string threshold =
      "thresholds:\n  - {name: q, metric: complaints, window: day, limit: LIMIT, action: quarantine}\n";
  auto with = [&](const std::string& limit, const std::string& sampling) {
    std::string t = threshold;
    t.replace(t.find("LIMIT"), 5, limit);
    return Load("version: 1\n" + t + sampling);
  };
  Policy a = with("1", "sampling: {smtp_flow_rate: 64}\n");
  Policy b = with("3", "sampling: {smtp_flow_rate: 64, watch: [100.64.1.2]}\n");
  nlohmann::json d = PolicyDiff(&a, b).ToJson();
  EXPECT_EQ(d["thresholds"], (nlohmann::json{{"current", 1}, {"new", 1}, {"added", 1}, {"removed", 1}}));
  EXPECT_EQ(d["sampling"], (nlohmann::json{{"current", 1}, {"new", 2}, {"added", 1}, {"removed", 0}}));
  EXPECT_EQ(d["signatures"]["new"], 0);
  nlohmann::json c = ChangedLists(PolicyDiff(&a, b)).ToJson();
  EXPECT_TRUE(c.contains("thresholds"));
  EXPECT_TRUE(c.contains("sampling"));
  EXPECT_FALSE(c.contains("signatures"));
  EXPECT_TRUE(ChangedLists(PolicyDiff(&a, with("1", "sampling: {smtp_flow_rate: 64}\n"))).empty());
}

TEST(PolicyDiffTest, ASignatureFileIsItsPathAndItsText) {
  Policy a = Load("version: 1\n"), b = a, c = a;
  a.signature_files = {{"/etc/spamwall/s.sigs", "A spam 1 raw \"a\"\n"}};
  b.signature_files = {{"/etc/spamwall/s.sigs", "A spam 1 raw \"b\"\n"}};  // same path, edited
  c.signature_files = a.signature_files;
  EXPECT_EQ(PolicyDiff(&a, b).ToJson()["signatures"],
            (nlohmann::json{{"current", 1}, {"new", 1}, {"added", 1}, {"removed", 1}}));
  EXPECT_TRUE(ChangedLists(PolicyDiff(&a, c)).empty());
}

}  // namespace
}  // namespace spamwall::controld
