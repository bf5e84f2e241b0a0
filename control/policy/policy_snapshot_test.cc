#include "control/policy/policy_snapshot.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "control/policy/policy_loader.h"

namespace spamwall {
namespace {

// Where p's thresholds begin in its snapshot: where it first differs from
// the same model without them (whatever later sections follow).
size_t ThresholdsAt(const Policy& p) {
  Policy none = p;
  none.thresholds.clear();
  const std::string a = SerializePolicy(p), b = SerializePolicy(none);
  return std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin();
}

std::string Src() { return std::getenv("SPAMWALL_SOURCE_DIR") ? std::getenv("SPAMWALL_SOURCE_DIR") : "."; }

TEST(PolicySnapshotTest, RoundTripsEveryListOfTheExamplePolicy) {
  Diagnostics diag;
  std::optional<Policy> p = LoadPolicyFile(Src() + "/examples/policy.yaml", &diag);
  ASSERT_TRUE(p) << diag.ToString();
  Exemption e;
  std::string perr;
  ASSERT_TRUE(ParsePrefix("100.64.1.0/24", &e.prefix, &perr));
  e.owner = "noc";
  e.reason = "relay test";
  e.expires = 30000;
  e.expires_text = "2052-02-20";
  p->exemptions.push_back(e);
  p->signatures.push_back("sigs.yaml");
  p->thresholds.push_back({"complaint-quarantine", ThresholdMetric::kComplaints, ThresholdWindow::kDay, 1,
                           ThresholdAction::kQuarantine, {0, 40, 5}});
  p->thresholds.push_back({"zombie", ThresholdMetric::kDistinctDestinations, ThresholdWindow::kHour, 500,
                           ThresholdAction::kAlert, {0, 45, 5}});
  std::string error;
  std::optional<Policy> q = DeserializePolicy(SerializePolicy(*p), &error);
  ASSERT_TRUE(q) << error;
  EXPECT_EQ(q->mode, p->mode);
  EXPECT_EQ(q->consumer.size(), p->consumer.size());
  ASSERT_FALSE(p->consumer.empty());
  EXPECT_EQ(q->consumer.back().prefix, p->consumer.back().prefix);
  EXPECT_EQ(q->consumer.back().loc.line, p->consumer.back().loc.line);
  EXPECT_EQ(q->mx_servers.size(), p->mx_servers.size());
  EXPECT_EQ(q->smtp_ports.size(), p->smtp_ports.size());
  ASSERT_EQ(q->exemptions.size(), p->exemptions.size());
  EXPECT_EQ(q->exemptions.back().owner, "noc");
  EXPECT_EQ(q->exemptions.back().expires_text, "2052-02-20");
  EXPECT_EQ(q->signatures, p->signatures);
  EXPECT_EQ(q->files, p->files);
  ASSERT_EQ(q->thresholds.size(), 2u);
  for (size_t i = 0; i < 2; i++) {
    EXPECT_EQ(q->thresholds[i].name, p->thresholds[i].name);
    EXPECT_EQ(q->thresholds[i].metric, p->thresholds[i].metric);
    EXPECT_EQ(q->thresholds[i].window, p->thresholds[i].window);
    EXPECT_EQ(q->thresholds[i].limit, p->thresholds[i].limit);
    EXPECT_EQ(q->thresholds[i].action, p->thresholds[i].action);
    EXPECT_EQ(q->thresholds[i].loc.line, p->thresholds[i].loc.line);
  }
  EXPECT_EQ(SerializePolicy(*q), SerializePolicy(*p));
}

TEST(PolicySnapshotTest, RefusesEveryTruncationAndTrailingBytes) {
  Policy p;
  p.files = {"/etc/spamwall/policy.yaml"};
  PrefixEntry c;
  std::string err;
  ASSERT_TRUE(ParsePrefix("198.51.100.0/24", &c.prefix, &err));
  p.consumer.push_back(c);
  ASSERT_TRUE(ParsePrefix("100.64.1.0/24", &c.prefix, &err));
  p.sampling_watch.push_back(c);
  p.thresholds.push_back({"t", ThresholdMetric::kComplaints, ThresholdWindow::kDay, 3, ThresholdAction::kAlert, {}});
  const std::string b = SerializePolicy(p);
  // Models saved before sampling.watch, and before thresholds, existed end
  // where those begin: those two cuts read, as models without them; every
  // other one up to the end of the thresholds is refused. (Past it, a cut
  // may be a model saved before a later section: it keeps the thresholds.)
  const size_t before_thresholds = ThresholdsAt(p);
  const size_t before_watch = before_thresholds - sizeof(uint64_t) - sizeof(PrefixEntry);
  // Their count, then the entry: name ("t"), the three enum bytes, limit, loc.
  const size_t after_thresholds = before_thresholds + sizeof(uint64_t) + sizeof(uint64_t) + 1 + 3 +
                                  sizeof(uint64_t) + sizeof(SourceLoc);
  ASSERT_LE(after_thresholds, b.size());
  for (size_t n = 0; n < b.size(); n++) {
    std::string error;
    auto got = DeserializePolicy(b.substr(0, n), &error);
    if (n == before_watch || n == before_thresholds) {
      ASSERT_TRUE(got) << error;
      EXPECT_EQ(got->sampling_watch.size(), n == before_watch ? 0u : 1u);
      EXPECT_TRUE(got->thresholds.empty());
      EXPECT_EQ(got->consumer.size(), 1u);
      continue;
    }
    if (n >= after_thresholds) {
      if (got) EXPECT_EQ(got->thresholds.size(), 1u) << n;
      continue;
    }
    EXPECT_FALSE(got) << n;
    EXPECT_NE(error.find("policy model"), std::string::npos);
  }
  std::string error;
  EXPECT_FALSE(DeserializePolicy(b + "x", &error));
  auto whole = DeserializePolicy(b, &error);
  ASSERT_TRUE(whole) << error;
  EXPECT_EQ(whole->sampling_watch.size(), 1u);
  ASSERT_EQ(whole->thresholds.size(), 1u);
  EXPECT_EQ(whole->thresholds[0].limit, 3u);
}

// A byte that names no metric, window or action (a foreign or damaged
// model) is refused, not cast into an enum value nothing handles.
TEST(PolicySnapshotTest, RefusesUnknownThresholdEnums) {
  Policy p;
  p.thresholds.push_back({"t", ThresholdMetric::kSignatureHits, ThresholdWindow::kDay, 3,
                          ThresholdAction::kQuarantine, {}});
  const std::string b = SerializePolicy(p);
  // Their count, the name (length, 't'), then metric, window, limit, action.
  const size_t metric_at = ThresholdsAt(p) + sizeof(uint64_t) + sizeof(uint64_t) + 1;
  for (size_t at : {metric_at, metric_at + 1, metric_at + 2 + sizeof(uint64_t)}) {
    std::string bad = b, error;
    bad[at] = 7;
    EXPECT_FALSE(DeserializePolicy(bad, &error)) << at;
  }
  std::string error;
  ASSERT_TRUE(DeserializePolicy(b, &error)) << error;
}

}  // namespace
}  // namespace spamwall
