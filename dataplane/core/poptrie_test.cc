#include "dataplane/core/poptrie.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <random>
#include <vector>

#include "dataplane/core/prefix.h"
#include "dataplane/core/table_test_util.h"
#include "dataplane/core/stride_trie.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall {
namespace {

using testing_util::Build;
using testing_util::Entry;
using testing_util::P;

// Every address: Poptrie::Lookup and LookupBurst (in bursts of every size up
// to kMaxBurst) equal StrideTrie::Lookup.
template <typename Table, typename Pop>
void ExpectSameAnswers(const Table& t, const Pop& pop, const std::vector<std::array<uint8_t, 16>>& addrs) {
  size_t burst = 1;
  for (size_t i = 0; i < addrs.size();) {
    const uint8_t* keys[Pop::kMaxBurst];
    uint8_t out[Pop::kMaxBurst];
    uint32_t n = static_cast<uint32_t>(std::min<size_t>(burst, addrs.size() - i));
    for (uint32_t k = 0; k < n; k++) keys[k] = addrs[i + k].data();
    pop.LookupBurst(keys, n, out);
    for (uint32_t k = 0; k < n; k++) {
      uint8_t want = t.Lookup(keys[k]);
      ASSERT_EQ(pop.Lookup(keys[k]), want) << "address " << i + k;
      ASSERT_EQ(out[k], want) << "address " << i + k << " (burst of " << n << ")";
    }
    i += n;
    burst = burst % Pop::kMaxBurst + 1;
  }
}

template <typename Table, typename Pop>
void CheckRandomNested(int family, uint64_t seed, int prefixes, int spread) {
  std::mt19937_64 rng(seed);
  auto t = std::make_unique<Table>();
  std::vector<Entry> entries;
  for (int i = 0; i < prefixes; i++) {
    Prefix p;
    p.family = static_cast<uint8_t>(family);
    int max = p.max_length();
    p.length = static_cast<uint8_t>(rng() % (max + 1));
    // Cluster the addresses so that prefixes nest.
    for (int b = 0; b < max / 8; b++) p.addr[b] = static_cast<uint8_t>(b < 2 ? 10 : rng() % spread);
    for (int bit = p.length; bit < max; bit++) p.addr[bit / 8] &= ~(0x80 >> (bit % 8));
    entries.push_back({p, static_cast<uint8_t>(1u << (rng() % 7))});
  }
  Build(t.get(), &entries);
  Pop pop(*t);
  std::vector<std::array<uint8_t, 16>> addrs(20000);
  for (size_t i = 0; i < addrs.size(); i++) {
    auto& a = addrs[i];
    if (i % 4 == 0) {  // anywhere
      for (int b = 0; b < 16; b++) a[b] = static_cast<uint8_t>(rng());
    } else if (i % 4 == 1) {  // inside a prefix, random host bits
      const Prefix& p = entries[rng() % entries.size()].prefix;
      a = p.addr;
      for (int bit = p.length; bit < p.max_length(); bit++)
        if (rng() & 1) a[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
    } else {  // in the cluster
      for (int b = 0; b < 16; b++) a[b] = static_cast<uint8_t>(b < 2 ? 10 : rng() % spread);
    }
  }
  ExpectSameAnswers(*t, pop, addrs);
}

TEST(PoptrieTest, AgreesWithStrideTrieOnRandomNestedPrefixes) {
  for (uint64_t seed : {42, 7}) {
    CheckRandomNested<Ipv4Table, Ipv4Poptrie>(4, seed, 400, 4);
    CheckRandomNested<Ipv6Table, Ipv6Poptrie>(6, seed, 400, 4);
    // Wider spread: many values per node, leaf runs beyond the inline ones.
    CheckRandomNested<Ipv4Table, Ipv4Poptrie>(4, seed, 3000, 256);
    CheckRandomNested<Ipv6Table, Ipv6Poptrie>(6, seed, 3000, 256);
  }
}

TEST(PoptrieTest, EmptyTableAnswersZero) {
  Ipv4Table v4;
  Ipv6Table v6;
  Ipv4Poptrie p4(v4);
  Ipv6Poptrie p6(v6);
  uint8_t a[16] = {100, 64, 1, 2};
  EXPECT_EQ(p4.Lookup(a), 0);
  EXPECT_EQ(p6.Lookup(a), 0);
  const uint8_t* keys[] = {a, a};
  uint8_t out[2] = {9, 9};
  p4.LookupBurst(keys, 2, out);
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[1], 0);
  p6.LookupBurst(keys, 0, out);  // nothing to do
  p6.LookupBurst(keys, 1, out);
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(p4.slot_count(), 0u);
  EXPECT_EQ(p6.slot_count(), 0u);
}

TEST(PoptrieTest, DefaultRouteAndHostRoutes) {
  Ipv4Table v4;
  std::vector<Entry> e4 = {{P("0.0.0.0/0"), SW_CLASS_INTERNAL},
                           {P("100.64.5.130/32"), SW_CLASS_QUARANTINE},
                           {P("255.255.255.255/32"), SW_CLASS_CONSUMER},
                           {P("0.0.0.0/32"), SW_CLASS_BUSINESS}};
  Build(&v4, &e4);
  Ipv4Poptrie p4(v4);
  auto look4 = [&](const char* a) { return p4.Lookup(P(a).addr.data()); };
  EXPECT_EQ(look4("1.2.3.4"), SW_CLASS_INTERNAL);
  EXPECT_EQ(look4("100.64.5.130"), SW_CLASS_INTERNAL | SW_CLASS_QUARANTINE);
  EXPECT_EQ(look4("100.64.5.131"), SW_CLASS_INTERNAL);
  EXPECT_EQ(look4("255.255.255.255"), SW_CLASS_INTERNAL | SW_CLASS_CONSUMER);
  EXPECT_EQ(look4("255.255.255.254"), SW_CLASS_INTERNAL);
  EXPECT_EQ(look4("0.0.0.0"), SW_CLASS_INTERNAL | SW_CLASS_BUSINESS);
  EXPECT_EQ(look4("0.0.0.1"), SW_CLASS_INTERNAL);

  Ipv6Table v6;
  std::vector<Entry> e6 = {{P("::/0"), SW_CLASS_CONSUMER},
                           {P("2001:db8::1/128"), SW_CLASS_QUARANTINE},
                           {P("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), SW_CLASS_INTERNAL}};
  Build(&v6, &e6);
  Ipv6Poptrie p6(v6);
  auto look6 = [&](const char* a) { return p6.Lookup(P(a).addr.data()); };
  EXPECT_EQ(look6("2001:db8::1"), SW_CLASS_CONSUMER | SW_CLASS_QUARANTINE);
  EXPECT_EQ(look6("2001:db8::"), SW_CLASS_CONSUMER);
  EXPECT_EQ(look6("2001:db8::2"), SW_CLASS_CONSUMER);
  EXPECT_EQ(look6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), SW_CLASS_CONSUMER | SW_CLASS_INTERNAL);
  EXPECT_EQ(look6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"), SW_CLASS_CONSUMER);
  EXPECT_EQ(look6("::"), SW_CLASS_CONSUMER);
  // Same answers in a burst.
  std::vector<std::array<uint8_t, 16>> addrs;
  for (const char* a : {"2001:db8::1", "2001:db8::", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                        "2001:db8::1", "1::"})
    addrs.push_back(P(a).addr);
  ExpectSameAnswers(v6, p6, addrs);
}

// Adjacent prefixes with equal and different values, across quarter and node
// boundaries, and every slot of a node differing (more runs than fit inline).
TEST(PoptrieTest, AdjacentRuns) {
  Ipv4Table v4;
  std::vector<Entry> e;
  e.push_back({P("10.0.0.0/8"), SW_CLASS_CONSUMER});
  for (int i = 0; i < 256; i++) {  // 10.1.0.0/24: every /32, values alternating in pairs
    std::string a = "10.1.0." + std::to_string(i) + "/32";
    e.push_back({P(a.c_str()), static_cast<uint8_t>(1u << ((i / 2) % 7))});
  }
  for (int i = 60; i < 70; i++) {  // 10.2.0.60-69: equal values across the quarter edge at 64
    std::string a = "10.2.0." + std::to_string(i) + "/32";
    e.push_back({P(a.c_str()), SW_CLASS_QUARANTINE});
  }
  e.push_back({P("10.3.0.0/25"), SW_CLASS_BUSINESS});  // two halves, one run each
  e.push_back({P("10.3.0.128/25"), SW_CLASS_BUSINESS});
  e.push_back({P("10.3.0.64/26"), SW_CLASS_INTERNAL});
  e.push_back({P("10.3.0.70/32"), SW_CLASS_INTERNAL});  // same as its cover: no new run
  e.push_back({P("10.4.255.255/32"), SW_CLASS_QUARANTINE});  // last slot of a node
  e.push_back({P("10.5.0.0/32"), SW_CLASS_QUARANTINE});      // first slot of the next
  Build(&v4, &e);
  Ipv4Poptrie p4(v4);
  std::vector<std::array<uint8_t, 16>> addrs;
  for (int b2 = 0; b2 < 7; b2++)
    for (int b3 : {0, 254, 255})
      for (int b4 = 0; b4 < 256; b4++) addrs.push_back({10, static_cast<uint8_t>(b2), static_cast<uint8_t>(b3), static_cast<uint8_t>(b4)});
  ExpectSameAnswers(v4, p4, addrs);
  EXPECT_EQ(p4.Lookup(P("10.1.0.5").addr.data()), SW_CLASS_CONSUMER | SW_CLASS_INTERNAL);
  EXPECT_EQ(p4.Lookup(P("10.2.0.64").addr.data()), SW_CLASS_CONSUMER | SW_CLASS_QUARANTINE);
  EXPECT_EQ(p4.Lookup(P("10.3.0.70").addr.data()), SW_CLASS_BUSINESS | SW_CLASS_INTERNAL);
  EXPECT_LT(p4.memory_bytes(), v4.memory_bytes());
}

}  // namespace
}  // namespace spamwall
