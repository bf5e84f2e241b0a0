#include "dataplane/core/poptrie_builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "dataplane/core/poptrie.h"
#include "dataplane/core/prefix.h"
#include "dataplane/core/stride_trie.h"
#include "dataplane/core/table_test_util.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall {
namespace {

using testing_util::P;

constexpr uint8_t kClasses[] = {SW_CLASS_CONSUMER, SW_CLASS_BUSINESS, SW_CLASS_INTERNAL, SW_CLASS_MX,
                                SW_CLASS_RELAY,    SW_CLASS_QUARANTINE, SW_CLASS_EXEMPT};

// The old compile path: the merged prefixes painted shortest first into a
// StrideTrie, then compressed.
template <typename Table>
std::unique_ptr<Table> Paint(const std::vector<PoptriePrefix>& merged) {
  std::vector<PoptriePrefix> by_length = merged;
  std::stable_sort(by_length.begin(), by_length.end(),
                   [](const PoptriePrefix& a, const PoptriePrefix& b) { return a.length < b.length; });
  auto t = std::make_unique<Table>();
  for (const auto& p : by_length) EXPECT_TRUE(t->Paint(p.addr.data(), p.length, p.bits));
  return t;
}

// The reference fold over the list entries as written: shortest first, at
// equal length business last (the tie rule).
uint8_t Reference(std::vector<PoptriePrefix> raw, const uint8_t* addr, int key_bytes) {
  std::stable_sort(raw.begin(), raw.end(), [](const PoptriePrefix& a, const PoptriePrefix& b) {
    if (a.length != b.length) return a.length < b.length;
    return (a.bits == SW_CLASS_BUSINESS) < (b.bits == SW_CLASS_BUSINESS);
  });
  uint8_t v = 0;
  for (const auto& p : raw) {
    Prefix q;
    q.family = key_bytes == 4 ? 4 : 6;
    q.length = p.length;
    q.addr = p.addr;
    if (q.Contains(addr, q.family)) v = MergeClassBits(v, p.bits);
  }
  return v;
}

using Key = std::array<uint8_t, 16>;

// Addresses worth asking: the first and last of every prefix and their
// neighbours, random ones inside prefixes, random ones anywhere.
std::vector<Key> Probes(const std::vector<PoptriePrefix>& prefixes, int key_bytes, std::mt19937_64* rng) {
  std::vector<Key> out;
  const int bits = 8 * key_bytes;
  for (const auto& p : prefixes) {
    Key lo = p.addr, hi = p.addr;
    for (int b = p.length; b < bits; b++) hi[b / 8] |= static_cast<uint8_t>(0x80 >> (b % 8));
    for (Key k : {lo, hi}) {
      out.push_back(k);
      Key up = k, down = k;
      for (int i = key_bytes - 1; i >= 0 && ++up[i] == 0; i--) {
      }
      for (int i = key_bytes - 1; i >= 0 && down[i]-- == 0; i--) {
      }
      out.push_back(up);
      out.push_back(down);
    }
    Key in = p.addr;
    for (int b = p.length; b < bits; b++)
      if ((*rng)() & 1) in[b / 8] |= static_cast<uint8_t>(0x80 >> (b % 8));
    out.push_back(in);
  }
  for (int i = 0; i < 2000; i++) {
    Key k{};
    for (int b = 0; b < key_bytes; b++) k[b] = static_cast<uint8_t>((*rng)());
    out.push_back(k);
  }
  return out;
}

// Random prefixes of every length 0..bits, clustered so that they nest and
// share nodes, some repeated with another class (merged, tie rule).
std::vector<PoptriePrefix> RandomPrefixes(int key_bytes, int count, int spread, std::mt19937_64* rng) {
  std::vector<PoptriePrefix> out;
  const int bits = 8 * key_bytes;
  for (int i = 0; i < count; i++) {
    PoptriePrefix p{};
    p.length = static_cast<uint8_t>((*rng)() % (bits + 1));
    for (int b = 0; b < key_bytes; b++) p.addr[b] = static_cast<uint8_t>(b < 1 ? 10 : (*rng)() % spread);
    for (int b = p.length; b < bits; b++) p.addr[b / 8] &= static_cast<uint8_t>(~(0x80 >> (b % 8)));
    p.bits = kClasses[(*rng)() % std::size(kClasses)];
    out.push_back(p);
    if ((*rng)() % 8 == 0) {  // the same prefix again from another list
      p.bits = kClasses[(*rng)() % std::size(kClasses)];
      out.push_back(p);
    }
  }
  return out;
}

template <int kKeyBits>
void CheckAgainstTrie(const std::vector<PoptriePrefix>& raw, std::mt19937_64* rng, bool reference) {
  constexpr int kKeyBytes = kKeyBits / 8;
  using Table = StrideTrie<kKeyBits, 24>;
  std::vector<PoptriePrefix> merged = raw;
  SortAndMergePrefixes(&merged, kKeyBytes);
  auto trie = Paint<Table>(merged);
  Poptrie<kKeyBits> old_path(*trie);
  Poptrie<kKeyBits> direct(merged.data(), merged.size(), trie->node_count());
  // The same tables, byte for byte.
  ASSERT_EQ(direct.slot_count(), old_path.slot_count());
  ASSERT_EQ(direct.memory_bytes(), old_path.memory_bytes());
  const auto a = direct.storage(), b = old_path.storage();
  ASSERT_EQ(a.leaf_count, b.leaf_count);
  EXPECT_EQ(std::memcmp(a.direct, b.direct, sizeof(uint32_t) << 16), 0);
  const size_t blob = a.slot_count * 32 + a.leaf_count;
  EXPECT_TRUE(blob == 0 || std::memcmp(a.blob, b.blob, blob) == 0);
  std::vector<Key> probes = Probes(merged, kKeyBytes, rng);
  std::vector<uint8_t> burst(probes.size());
  for (size_t i = 0; i < probes.size(); i += Poptrie<kKeyBits>::kMaxBurst) {
    const uint8_t* keys[Poptrie<kKeyBits>::kMaxBurst];
    uint32_t n = static_cast<uint32_t>(std::min<size_t>(Poptrie<kKeyBits>::kMaxBurst, probes.size() - i));
    for (uint32_t k = 0; k < n; k++) keys[k] = probes[i + k].data();
    direct.LookupBurst(keys, n, &burst[i]);
  }
  for (size_t i = 0; i < probes.size(); i++) {
    const uint8_t* k = probes[i].data();
    uint8_t want = trie->Lookup(k);
    ASSERT_EQ(direct.Lookup(k), want) << "probe " << i;
    ASSERT_EQ(burst[i], want) << "probe " << i;
    ASSERT_EQ(old_path.Lookup(k), want) << "probe " << i;
    if (reference && i % 7 == 0) {
      ASSERT_EQ(Reference(raw, k, kKeyBytes), want) << "probe " << i;
    }
  }
}

TEST(PoptrieBuilderTest, SameTablesAsThePaintedTrieOnRandomNestedPrefixes) {
  for (uint64_t seed : {1, 2, 3}) {
    std::mt19937_64 rng(seed);
    for (int spread : {2, 4, 256}) {
      CheckAgainstTrie<32>(RandomPrefixes(4, 300, spread, &rng), &rng, true);
      CheckAgainstTrie<128>(RandomPrefixes(16, 300, spread, &rng), &rng, true);
      CheckAgainstTrie<32>(RandomPrefixes(4, 3000, spread, &rng), &rng, false);
      CheckAgainstTrie<128>(RandomPrefixes(16, 3000, spread, &rng), &rng, false);
    }
  }
}

// Long prefixes only (every /16 below the direct array, deep chains) and
// dense last-byte nodes (more runs than a small node holds).
TEST(PoptrieBuilderTest, SameTablesOnDeepAndDenseSets) {
  std::mt19937_64 rng(9);
  std::vector<PoptriePrefix> v4, v6;
  for (int i = 0; i < 4000; i++) {
    PoptriePrefix p{};
    p.length = static_cast<uint8_t>(24 + rng() % 9);
    p.addr = {10, 1, static_cast<uint8_t>(rng() % 3), static_cast<uint8_t>(rng())};
    for (int b = p.length; b < 32; b++) p.addr[b / 8] &= static_cast<uint8_t>(~(0x80 >> (b % 8)));
    p.bits = kClasses[rng() % std::size(kClasses)];
    v4.push_back(p);
    PoptriePrefix q{};
    q.length = static_cast<uint8_t>(100 + rng() % 29);
    for (int b = 0; b < 16; b++) q.addr[b] = static_cast<uint8_t>(b < 14 ? 0x20 : rng() % 4);
    q.addr[15] = static_cast<uint8_t>(rng());
    for (int b = q.length; b < 128; b++) q.addr[b / 8] &= static_cast<uint8_t>(~(0x80 >> (b % 8)));
    q.bits = kClasses[rng() % std::size(kClasses)];
    v6.push_back(q);
  }
  CheckAgainstTrie<32>(v4, &rng, false);
  CheckAgainstTrie<128>(v6, &rng, false);
}

TEST(PoptrieBuilderTest, EmptyAndDefaultRoute) {
  std::mt19937_64 rng(5);
  CheckAgainstTrie<32>({}, &rng, true);
  CheckAgainstTrie<128>({}, &rng, true);
  std::vector<PoptriePrefix> v4 = {{P("0.0.0.0/0").addr, 0, SW_CLASS_INTERNAL},
                                   {P("0.0.0.0/32").addr, 32, SW_CLASS_BUSINESS},
                                   {P("255.255.255.255/32").addr, 32, SW_CLASS_CONSUMER}};
  CheckAgainstTrie<32>(v4, &rng, true);
  std::vector<PoptriePrefix> v6 = {{P("::/0").addr, 0, SW_CLASS_CONSUMER},
                                   {P("::/128").addr, 128, SW_CLASS_QUARANTINE},
                                   {P("ffff::/16").addr, 16, SW_CLASS_BUSINESS}};
  CheckAgainstTrie<128>(v6, &rng, true);
}

TEST(PoptrieBuilderTest, SortAndMergeAppliesTheTieRule) {
  std::vector<PoptriePrefix> v = {{P("10.0.0.0/8").addr, 8, SW_CLASS_CONSUMER},
                                  {P("10.0.0.0/16").addr, 16, SW_CLASS_INTERNAL},
                                  {P("10.0.0.0/8").addr, 8, SW_CLASS_INTERNAL},
                                  {P("9.0.0.0/8").addr, 8, SW_CLASS_QUARANTINE},
                                  {P("10.0.0.0/8").addr, 8, SW_CLASS_BUSINESS}};
  SortAndMergePrefixes(&v, 4);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].addr[0], 9);
  EXPECT_EQ(v[1].length, 8);
  EXPECT_EQ(v[1].bits, SW_CLASS_BUSINESS | SW_CLASS_INTERNAL);
  EXPECT_EQ(v[2].length, 16);
}

// The node budget counts what the painted trie would have made.
TEST(PoptrieBuilderTest, NodeLimitMatchesTheTrie) {
  std::mt19937_64 rng(11);
  std::vector<PoptriePrefix> v = RandomPrefixes(16, 500, 16, &rng);
  SortAndMergePrefixes(&v, 16);
  auto trie = Paint<Ipv6Table>(v);
  ASSERT_GT(trie->node_count(), 0u);
  Ipv6Poptrie fits(v.data(), v.size(), trie->node_count());
  try {
    Ipv6Poptrie over(v.data(), v.size(), trie->node_count() - 1);
    ADD_FAILURE() << "no PoptrieNodeLimit";
  } catch (const PoptrieNodeLimit& e) {
    EXPECT_EQ(e.key_bits, 128);
  }
}

}  // namespace
}  // namespace spamwall
