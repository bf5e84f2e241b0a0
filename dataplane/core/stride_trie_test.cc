#include "dataplane/core/stride_trie.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>
#include <vector>

#include "dataplane/core/prefix.h"
#include "dataplane/core/table_test_util.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall {
namespace {

using testing_util::Build;
using testing_util::Entry;
using testing_util::P;
using testing_util::Reference;

TEST(StrideTrieTest, EmptyTableAnswersZero) {
  Ipv4Table v4;
  Ipv6Table v6;
  uint8_t a[16] = {100, 64, 1, 2};
  EXPECT_EQ(v4.Lookup(a), 0);
  EXPECT_EQ(v6.Lookup(a), 0);
}

TEST(StrideTrieTest, LongerSubscriberClassWinsOtherBitsAccumulate) {
  Ipv4Table t;
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

// Random prefixes of every length against the reference fold; Lookup and
// LookupBurst must agree with it.
template <typename Table>
void CheckAgainstReference(int family) {
  std::mt19937_64 rng(42);
  Table t;
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
  std::vector<std::array<uint8_t, 16>> addrs(5000);
  for (auto& a : addrs)
    for (int b = 0; b < 16; b++) a[b] = static_cast<uint8_t>(b < 2 ? 10 : rng() % 4);
  for (size_t i = 0; i < addrs.size(); i += Table::kMaxBurst) {
    const uint8_t* keys[Table::kMaxBurst];
    uint8_t out[Table::kMaxBurst];
    uint32_t n = static_cast<uint32_t>(std::min<size_t>(Table::kMaxBurst, addrs.size() - i));
    for (uint32_t k = 0; k < n; k++) keys[k] = addrs[i + k].data();
    t.LookupBurst(keys, n, out);
    for (uint32_t k = 0; k < n; k++) {
      uint8_t want = Reference(entries, keys[k], static_cast<uint8_t>(family));
      ASSERT_EQ(t.Lookup(keys[k]), want) << "family " << family;
      ASSERT_EQ(out[k], want) << "family " << family << " (burst)";
    }
  }
}

TEST(StrideTrieTest, AgreesWithReferenceOnRandomPrefixes) {
  CheckAgainstReference<Ipv4Table>(4);
  CheckAgainstReference<Ipv6Table>(6);
}

TEST(StrideTrieTest, Ipv4NodeBudgetIsEnforced) {
  Ipv4Table t(/*max_nodes=*/1);
  EXPECT_TRUE(t.Paint(P("10.0.0.0/25").addr.data(), 25, SW_CLASS_CONSUMER));
  EXPECT_TRUE(t.Paint(P("10.0.0.128/25").addr.data(), 25, SW_CLASS_BUSINESS));  // same node
  EXPECT_FALSE(t.Paint(P("10.0.1.0/25").addr.data(), 25, SW_CLASS_CONSUMER));
}

TEST(StrideTrieTest, NodeBudgetIsEnforced) {
  Ipv6Table t(/*max_nodes=*/2);
  EXPECT_TRUE(t.Paint(P("2001:db8::/40").addr.data(), 40, SW_CLASS_CONSUMER));  // 2 nodes
  EXPECT_FALSE(t.Paint(P("2001:db8::/48").addr.data(), 48, SW_CLASS_CONSUMER));
}

}  // namespace
}  // namespace spamwall
