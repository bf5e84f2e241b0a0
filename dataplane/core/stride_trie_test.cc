#include "dataplane/core/stride_trie.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "dataplane/core/prefix.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall {
namespace {

Prefix P(const char* text) {
  Prefix p;
  std::string err;
  EXPECT_TRUE(ParsePrefix(text, &p, &err)) << err;
  return p;
}

struct Entry {
  Prefix prefix;
  uint8_t bits;
};

// Reference answer: fold every covering prefix, shortest first, exactly as
// DESIGN.md defines the resolved class bits.
uint8_t Reference(const std::vector<Entry>& sorted, const uint8_t* addr, uint8_t family) {
  uint8_t v = 0;
  for (const auto& e : sorted)
    if (e.prefix.Contains(addr, family)) v = StrideTrie::MergeClassBits(v, e.bits);
  return v;
}

void Build(StrideTrie* t, std::vector<Entry>* entries) {
  std::stable_sort(entries->begin(), entries->end(),
                   [](const Entry& a, const Entry& b) { return a.prefix.length < b.prefix.length; });
  for (const auto& e : *entries) ASSERT_TRUE(t->Paint(e.prefix.addr.data(), e.prefix.length, e.bits));
}

TEST(StrideTrieTest, EmptyTableAnswersZero) {
  StrideTrie v4(32, 24), v6(128, 16);
  uint8_t a[16] = {100, 64, 1, 2};
  EXPECT_EQ(v4.Lookup(a), 0);
  EXPECT_EQ(v6.Lookup(a), 0);
}

TEST(StrideTrieTest, LongerSubscriberClassWinsOtherBitsAccumulate) {
  StrideTrie t(32, 24);
  std::vector<Entry> e = {{P("100.64.0.0/10"), SW_CLASS_CONSUMER},
                          {P("100.64.0.0/10"), SW_CLASS_INTERNAL},
                          {P("100.64.5.0/24"), SW_CLASS_BUSINESS},
                          {P("100.64.5.128/28"), SW_CLASS_CONSUMER},
                          {P("100.64.5.130/32"), SW_CLASS_QUARANTINE}};
  Build(&t, &e);
  auto look = [&](const char* a) { return t.Lookup(P(a).addr.data()); };
  EXPECT_EQ(look("100.64.1.1"), SW_CLASS_CONSUMER | SW_CLASS_INTERNAL);
  EXPECT_EQ(look("100.64.5.1"), SW_CLASS_BUSINESS | SW_CLASS_INTERNAL);
  EXPECT_EQ(look("100.64.5.129"), SW_CLASS_CONSUMER | SW_CLASS_INTERNAL);
  EXPECT_EQ(look("100.64.5.130"), SW_CLASS_CONSUMER | SW_CLASS_INTERNAL | SW_CLASS_QUARANTINE);
  EXPECT_EQ(look("100.128.0.1"), 0);
}

// Random prefixes of every length against the reference fold, both families.
TEST(StrideTrieTest, AgreesWithReferenceOnRandomPrefixes) {
  std::mt19937_64 rng(42);
  for (int family : {4, 6}) {
    StrideTrie t(family == 4 ? 32 : 128, family == 4 ? 24 : 16);
    std::vector<Entry> entries;
    for (int i = 0; i < 400; i++) {
      Prefix p;
      p.family = static_cast<uint8_t>(family);
      int max = p.max_length();
      p.length = static_cast<uint8_t>(rng() % (max + 1));
      // Cluster the addresses so that prefixes nest.
      for (int b = 0; b < max / 8; b++) p.addr[b] = static_cast<uint8_t>(b < 2 ? 10 : rng() % 4);
      for (int bit = p.length; bit < max; bit++) p.addr[bit / 8] &= ~(0x80 >> (bit % 8));
      entries.push_back({p, static_cast<uint8_t>(1u << (rng() % 7))});
    }
    Build(&t, &entries);
    for (int i = 0; i < 5000; i++) {
      uint8_t a[16];
      for (int b = 0; b < 16; b++) a[b] = static_cast<uint8_t>(b < 2 ? 10 : rng() % 4);
      ASSERT_EQ(t.Lookup(a), Reference(entries, a, static_cast<uint8_t>(family))) << "family " << family;
    }
  }
}

TEST(StrideTrieTest, NodeBudgetIsEnforced) {
  StrideTrie t(128, 16, /*max_nodes=*/2);
  EXPECT_TRUE(t.Paint(P("2001:db8::/32").addr.data(), 32, SW_CLASS_CONSUMER));  // 2 nodes
  EXPECT_FALSE(t.Paint(P("2001:db8::/40").addr.data(), 40, SW_CLASS_CONSUMER));
}

}  // namespace
}  // namespace spamwall
