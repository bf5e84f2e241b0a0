#include "control/policy/prefix_fast.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace spamwall {
namespace {

// Where the fast parser accepts, ParsePrefix accepts the same prefix.
void ExpectAgrees(const std::string& text) {
  Prefix fast, slow;
  std::string error;
  if (!ParsePrefixFast(text, &fast)) return;
  ASSERT_TRUE(ParsePrefix(text, &slow, &error)) << "'" << text << "' fast-accepted: " << error;
  EXPECT_EQ(fast, slow) << "'" << text << "'";
}

TEST(PrefixFastTest, CommonFormsParseFastAndAgree) {
  for (const char* t : {"0.0.0.0/0", "10.0.0.0/8", "198.51.100.7", "255.255.255.255/32", "100.64.0.0/10",
                        "::/0", "::", "::1", "1::", "2001:db8::/32", "2001:DB8:1000::/36",
                        "2a00:db8:12:3400::/56", "1:2:3:4:5:6:7:8", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7::",
                        "fe80::1/128", "0000:0000::0001", "2001:db8::/032"}) {
    Prefix p;
    EXPECT_TRUE(ParsePrefixFast(t, &p)) << t;
    ExpectAgrees(t);
  }
}

TEST(PrefixFastTest, LeavesTheRestToParsePrefix) {
  for (const char* t : {"", "/", "1.2.3.4/", "1.2.3.4/33", "1.2.3.4/8", "01.2.3.4", "1.2.3", "1.2.3.4.",
                        "256.1.1.1", "1.2.3.4 /24", "1.2.3.4/-0", "1.2.3.4/0024", "::ffff:1.2.3.4",
                        ":::", "1:::2", "1:", ":1", "1::2::3", "1:2:3:4:5:6:7:8:9", "::1:2:3:4:5:6:7:8",
                        "1:2:3:4:5:6:7::8", "12345::", "g::", "2001:db8::1/64", "::/129", "nonsense"}) {
    Prefix p;
    EXPECT_FALSE(ParsePrefixFast(t, &p)) << t;
  }
}

// Random text from the characters prefixes are made of, and random valid
// prefixes in their printed form with one character changed.
TEST(PrefixFastTest, AgreesWithParsePrefixOnRandomText) {
  std::mt19937_64 rng(3);
  const std::string alphabet = "0123456789abcdefABCDEF:./ -0x";
  for (int i = 0; i < 200000; i++) {
    std::string t;
    for (size_t n = rng() % 20; n > 0; n--) t += alphabet[rng() % alphabet.size()];
    ExpectAgrees(t);
  }
  for (int i = 0; i < 100000; i++) {
    Prefix p;
    p.family = rng() & 1 ? 4 : 6;
    p.length = static_cast<uint8_t>(rng() % (p.max_length() + 1));
    for (int b = 0; b < p.max_length() / 8; b++) p.addr[b] = rng() % 3 ? static_cast<uint8_t>(rng()) : 0;
    for (int bit = p.length; bit < p.max_length(); bit++) p.addr[bit / 8] &= ~(0x80 >> (bit % 8));
    std::string t = FormatPrefix(p);
    Prefix fast;
    ASSERT_TRUE(ParsePrefixFast(t, &fast)) << t;
    EXPECT_EQ(fast, p) << t;
    t[rng() % t.size()] = alphabet[rng() % alphabet.size()];
    ExpectAgrees(t);
  }
}

}  // namespace
}  // namespace spamwall
