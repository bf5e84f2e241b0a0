#include "control/policy/exemption_coverage.h"

#include <gtest/gtest.h>

#include "control/policy/policy_loader.h"

namespace spamwall {
namespace {

Prefix P(const char* text) {
  Prefix p;
  std::string err;
  EXPECT_TRUE(ParsePrefix(text, &p, &err)) << err;
  return p;
}

// Consumer 100.64.0.0/10 with a business /24 inside it and a consumer /25
// inside a business /24 (the longer prefix wins both ways).
const char* kPolicy = R"(version: 1
subscribers:
  consumer: [100.64.0.0/10, 203.0.113.128/25, 2001:db8:1000::/36]
  business: [100.64.50.0/24, 203.0.113.0/24, 2001:db8:1000:ff00::/56]
)";

class CoverageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Diagnostics diag;
    auto p = LoadPolicyText(kPolicy, "p.yaml", "", &diag);
    ASSERT_TRUE(p.has_value()) << diag.ToString();
    lists_ = std::make_unique<SubscriberLists>(*p);
  }
  std::unique_ptr<SubscriberLists> lists_;
};

TEST_F(CoverageTest, WholeRangeNotFirstAddress) {
  constexpr AddressCount kConsumer4 = (AddressCount{1} << 22) - 256 + 128;  // /10 - business /24 + /25
  ExemptionCoverage all = lists_->Cover(P("0.0.0.0/0"));
  EXPECT_EQ(all.freed, kConsumer4);
  EXPECT_EQ(all.size, AddressCount{1} << 32);
  EXPECT_EQ(all.consumer_total, kConsumer4);
  EXPECT_EQ(CoverageText(all),
            "frees 4,194,176 consumer addresses of its 4,294,967,296 (0.098%; 100% of the policy's "
            "4,194,176 IPv4 consumer addresses)");
  // A host in a consumer pool: all of it.
  ExemptionCoverage host = lists_->Cover(P("100.64.12.34/32"));
  EXPECT_EQ(host.freed, 1u);
  EXPECT_EQ(host.size, 1u);
  // The business /24 inside the pool frees nothing; a /16 around it 65,280.
  EXPECT_EQ(lists_->Cover(P("100.64.50.0/24")).freed, 0u);
  EXPECT_EQ(lists_->Cover(P("100.64.0.0/16")).freed, 65536u - 256u);
  // Outside every consumer prefix whose first address is not consumer but
  // which holds consumer space (the old check looked at the first address).
  EXPECT_EQ(lists_->Cover(P("203.0.113.0/24")).freed, 128u);
  EXPECT_EQ(lists_->Cover(P("192.0.2.0/24")).freed, 0u);
  EXPECT_NE(CoverageText(lists_->Cover(P("192.0.2.0/24"))).find("changes nothing"), std::string::npos);
}

TEST_F(CoverageTest, Ipv6CountsAndTheWholeSpace) {
  const AddressCount k36 = AddressCount{1} << 92, k56 = AddressCount{1} << 72;
  ExemptionCoverage all = lists_->Cover(P("::/0"));
  EXPECT_EQ(all.freed, k36 - k56);
  EXPECT_EQ(FormatCount(all.size), "2^128");
  EXPECT_EQ(lists_->Cover(P("2001:db8:1000::/48")).freed, (AddressCount{1} << 80) - k56);  // business /56 inside
  EXPECT_EQ(lists_->Cover(P("2001:db8:1001::/48")).freed, AddressCount{1} << 80);
  EXPECT_EQ(lists_->Cover(P("2001:db8:1000:ff00::/64")).freed, 0u);
}

// The compiler warns with the numbers for an exemption that frees nothing or
// reaches past consumer space, and none for one wholly inside it.
TEST(CompilerCoverageTest, WarningsAndTheCoverageList) {
  Diagnostics diag;
  auto p = LoadPolicyText(std::string(kPolicy) +
                              "exemptions:\n"
                              "  - {prefix: 100.64.12.0/24, owner: a, reason: r, expires: 2099-01-01}\n"
                              "  - {prefix: 0.0.0.0/0, owner: b, reason: r, expires: 2099-01-01}\n",
                          "p.yaml", "", &diag);
  ASSERT_TRUE(p.has_value()) << diag.ToString();
  std::vector<ExemptionCoverage> cov;
  CompileOptions opts;
  opts.coverage = &cov;
  ASSERT_NE(CompilePolicy(*p, opts, &diag), nullptr);
  ASSERT_EQ(cov.size(), 2u);
  EXPECT_EQ(cov[0].freed, 256u);
  EXPECT_EQ(cov[1].freed, (AddressCount{1} << 22) - 128);
  const std::string w = diag.ToString();
  EXPECT_EQ(w.find("100.64.12.0/24"), std::string::npos) << w;
  EXPECT_NE(w.find("p.yaml:7:5: exemption 0.0.0.0/0 (owner b) frees 4,194,176 consumer addresses"), std::string::npos)
      << w;
}

}  // namespace
}  // namespace spamwall
