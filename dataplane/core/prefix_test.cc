#include "dataplane/core/prefix.h"

#include <gtest/gtest.h>

namespace spamwall {
namespace {

TEST(PrefixTest, ParsesBothFamiliesAndBareAddresses) {
  Prefix p;
  std::string err;
  ASSERT_TRUE(ParsePrefix("100.64.0.0/10", &p, &err)) << err;
  EXPECT_EQ(p.family, 4);
  EXPECT_EQ(p.length, 10);
  EXPECT_EQ(FormatPrefix(p), "100.64.0.0/10");
  ASSERT_TRUE(ParsePrefix("2001:db8:1000::/36", &p, &err)) << err;
  EXPECT_EQ(p.family, 6);
  EXPECT_EQ(p.length, 36);
  ASSERT_TRUE(ParsePrefix("198.51.100.25", &p, &err)) << err;
  EXPECT_EQ(p.length, 32);
  ASSERT_TRUE(ParsePrefix("::1", &p, &err)) << err;
  EXPECT_EQ(p.length, 128);
}

TEST(PrefixTest, RefusesMalformedTextWithTheTextInTheMessage) {
  Prefix p;
  std::string err;
  for (const char* bad : {"", "10.0.0.0/33", "10.0.0/8", "10.0.0.0/", "10.0.0.0/x", "::/129",
                          "300.1.1.1", "2001:db8::g/32", "10.0.0.0/8/8", "10.0.0.0/-1"}) {
    EXPECT_FALSE(ParsePrefix(bad, &p, &err)) << bad;
    EXPECT_NE(err.find(std::string("'") + bad), std::string::npos) << err;
  }
}

TEST(PrefixTest, RefusesHostBitsAndSuggestsTheNetwork) {
  Prefix p;
  std::string err;
  EXPECT_FALSE(ParsePrefix("10.1.2.3/8", &p, &err));
  EXPECT_NE(err.find("10.0.0.0/8"), std::string::npos) << err;
}

TEST(PrefixTest, Contains) {
  Prefix p, a;
  std::string err;
  ASSERT_TRUE(ParsePrefix("100.64.0.0/10", &p, &err));
  ASSERT_TRUE(ParseAddress("100.127.255.255", &a, &err));
  EXPECT_TRUE(p.Contains(a.addr.data(), 4));
  ASSERT_TRUE(ParseAddress("100.128.0.0", &a, &err));
  EXPECT_FALSE(p.Contains(a.addr.data(), 4));
  EXPECT_FALSE(p.Contains(a.addr.data(), 6));
}

}  // namespace
}  // namespace spamwall
