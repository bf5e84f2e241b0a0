#include <gtest/gtest.h>

#include "control/policy/policy_loader.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall {
namespace {

std::unique_ptr<CompiledPolicy> Compile(const std::string& text, Diagnostics* diag, Day today = 0) {
  auto p = LoadPolicyText(text, "p.yaml", "", diag);
  EXPECT_TRUE(p.has_value()) << diag->ToString();
  if (!p) return nullptr;
  CompileOptions opts;
  if (today) opts.today = today;
  return CompilePolicy(*p, opts, diag);
}

uint8_t ClassOf(const CompiledPolicy& c, const char* addr) {
  Prefix a;
  std::string err;
  EXPECT_TRUE(ParseAddress(addr, &a, &err)) << err;
  return c.ClassOf(a.family == 4 ? SW_L3_IPV4 : SW_L3_IPV6, a.addr.data());
}

const char* kPolicy = R"(version: 1
subscribers:
  consumer: [100.64.0.0/10, 2001:db8:1000::/36, 203.0.113.128/25]
  business: [203.0.113.0/24, 100.64.50.0/24, 2001:db8:1000:ff00::/56]
internal: [100.64.0.0/10, 203.0.113.0/24, 198.51.100.0/24, 2001:db8::/32]
mail:
  mx_servers: [198.51.100.25]
  authorized_relays: [198.51.100.10]
exemptions:
  - {prefix: 100.64.12.34/32, owner: t-1, reason: r, expires: 2030-01-31}
  - {prefix: 100.64.12.35/32, owner: t-2, reason: r, expires: 2020-01-31}
  - {prefix: 192.0.2.1/32, owner: t-3, reason: r, expires: 2030-01-31}
quarantine: [100.64.99.7/32]
)";

// sampling.watch marks its subscribers' addresses, whatever else covers
// them, and the verdict carries the mark for the sampler without changing.
TEST(PolicyCompilerTest, SamplingWatchMarksItsSubscribersForTheSampler) {
  Diagnostics diag;
  auto c = Compile(std::string(kPolicy) + "sampling:\n  smtp_flow_rate: 64\n  watch: [100.64.1.0/24, 2001:db8:1000::5]\n",
                   &diag);
  ASSERT_NE(c, nullptr) << diag.ToString();
  constexpr uint8_t C = SW_CLASS_CONSUMER, I = SW_CLASS_INTERNAL, W = SW_CLASS_WATCH;
  EXPECT_EQ(ClassOf(*c, "100.64.1.1"), C | I | W);
  EXPECT_EQ(ClassOf(*c, "100.64.2.1"), C | I);
  EXPECT_EQ(ClassOf(*c, "2001:db8:1000::5"), C | I | W);
  EXPECT_EQ(c->smtp_flow_rate, 64u);
  Diagnostics bad;
  EXPECT_FALSE(LoadPolicyText(std::string(kPolicy) + "sampling:\n  watch: [100.64.1.0/33]\n", "p.yaml", "", &bad));
  EXPECT_NE(bad.ToString().find("p.yaml:"), std::string::npos) << bad.ToString();
}

TEST(PolicyCompilerTest, ResolvesClassBitsPerDesign) {
  Diagnostics diag;
  Day today;
  ASSERT_TRUE(ParseDay("2026-11-28", &today));
  auto c = Compile(kPolicy, &diag, today);
  ASSERT_NE(c, nullptr) << diag.ToString();
  constexpr uint8_t C = SW_CLASS_CONSUMER, B = SW_CLASS_BUSINESS, I = SW_CLASS_INTERNAL;
  EXPECT_EQ(ClassOf(*c, "100.64.1.1"), C | I);
  EXPECT_EQ(ClassOf(*c, "100.64.50.9"), B | I);              // business inside consumer
  EXPECT_EQ(ClassOf(*c, "203.0.113.200"), C | I);            // consumer inside business
  EXPECT_EQ(ClassOf(*c, "203.0.113.1"), B | I);
  EXPECT_EQ(ClassOf(*c, "100.64.12.34"), C | I | SW_CLASS_EXEMPT);
  EXPECT_EQ(ClassOf(*c, "100.64.12.35"), C | I);             // expired: no longer applies
  EXPECT_EQ(ClassOf(*c, "100.64.99.7"), C | I | SW_CLASS_QUARANTINE);
  EXPECT_EQ(ClassOf(*c, "198.51.100.25"), I | SW_CLASS_MX);
  EXPECT_EQ(ClassOf(*c, "198.51.100.10"), I | SW_CLASS_RELAY);
  EXPECT_EQ(ClassOf(*c, "8.8.8.8"), 0);
  EXPECT_EQ(ClassOf(*c, "2001:db8:1000::1"), C | I);
  EXPECT_EQ(ClassOf(*c, "2001:db8:1000:ff00::1"), B | I);
  EXPECT_EQ(ClassOf(*c, "2001:db8:2000::1"), I);
  EXPECT_EQ(c->summary.exemptions_active, 2u);
  EXPECT_EQ(c->summary.exemptions_expired, 1u);
  EXPECT_TRUE(c->PortFlags(25) & SW_PORT_SMTP);
  EXPECT_TRUE(c->PortFlags(587) & SW_PORT_SUBMISSION);
  EXPECT_EQ(c->PortFlags(443), 0);

  std::string warnings = diag.ToString();
  EXPECT_NE(warnings.find("warning: p.yaml:11:5: exemption 100.64.12.35/32 (owner t-2) expired on 2020-01-31"),
            std::string::npos) << warnings;
  EXPECT_NE(warnings.find("exemption 192.0.2.1/32 (owner t-3) frees no consumer address: none of its 1 "
                          "addresses is in a consumer prefix, so it changes nothing"), std::string::npos)
      << warnings;
}

TEST(PolicyCompilerTest, SamePrefixInConsumerAndBusinessIsBusiness) {
  Diagnostics diag;
  auto c = Compile("version: 1\nsubscribers: {consumer: [10.0.0.0/8], business: [10.0.0.0/8]}\n", &diag);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(ClassOf(*c, "10.1.1.1"), SW_CLASS_BUSINESS);
}

TEST(PolicyCompilerTest, NodeLimitIsAClearError) {
  Diagnostics diag;
  auto p = LoadPolicyText("version: 1\ninternal: [2001:db8::/48, 2001:db9::/48]\n", "p.yaml", "", &diag);
  ASSERT_TRUE(p.has_value());
  CompileOptions opts;
  opts.max_trie_nodes = 3;
  EXPECT_EQ(CompilePolicy(*p, opts, &diag), nullptr);
  EXPECT_NE(diag.ToString().find("IPv6 prefix table would exceed 3 nodes"), std::string::npos)
      << diag.ToString();
}

}  // namespace
}  // namespace spamwall
