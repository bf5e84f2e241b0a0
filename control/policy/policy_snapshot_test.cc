#include "control/policy/policy_snapshot.h"

#include <gtest/gtest.h>

#include "control/policy/policy_loader.h"

namespace spamwall {
namespace {

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
  const std::string b = SerializePolicy(p);
  // The model as saved before sampling.watch existed ends where the watch
  // list begins (its count, then one entry): that one cut reads, as a model
  // without a watch list; every other one is refused.
  const size_t before_watch = b.size() - sizeof(uint64_t) - sizeof(PrefixEntry);
  for (size_t n = 0; n < b.size(); n++) {
    std::string error;
    auto got = DeserializePolicy(b.substr(0, n), &error);
    if (n == before_watch) {
      ASSERT_TRUE(got) << error;
      EXPECT_TRUE(got->sampling_watch.empty());
      EXPECT_EQ(got->consumer.size(), 1u);
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
}

}  // namespace
}  // namespace spamwall
