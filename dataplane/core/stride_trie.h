// Longest-prefix table with pre-resolved class bits, painted: a multibit
// trie with a 24-bit root (for IPv4 that is DIR-24-8) and 8-bit strides below
// it; prefixes are painted shortest first, each longer one over the shorter
// ones it sits in. The reference form: the tests and bench/lpm_benchmark.cc
// compress it into Poptrie tables (poptrie.h) and check against its lookups.
// The policy compiler builds the same tables without it (poptrie_builder.h):
// at a million prefixes this trie is ~800 MB of 1 KiB nodes.
//
// Entry encoding: bit 31 set -> child node index in bits 0..30 (256 entries
// per node); clear -> the class bits in bits 0..7 (0 = no list covers it).
#ifndef SPAMWALL_DATAPLANE_CORE_STRIDE_TRIE_H_
#define SPAMWALL_DATAPLANE_CORE_STRIDE_TRIE_H_

#include <cstddef>
#include <cstdint>

namespace spamwall {

template <int kKeyBits, int kRootBits>
class StrideTrie {
  static_assert(kKeyBits % 8 == 0 && kRootBits % 8 == 0 && kRootBits <= 24);

 public:
  static constexpr uint32_t kChild = 0x80000000u;
  static constexpr int kKeyBytes = kKeyBits / 8;
  static constexpr int kRootBytes = kRootBits / 8;
  static constexpr size_t kDefaultMaxNodes = size_t{1} << 22;  // 4M nodes, 4 GiB
  static constexpr uint32_t kMaxBurst = 128;  // keys per LookupBurst call

  // max_nodes bounds the memory of the table (1 KiB per node); the address
  // space is reserved up front and only touched as nodes are made.
  explicit StrideTrie(size_t max_nodes = kDefaultMaxNodes);
  StrideTrie(const StrideTrie&) = delete;
  StrideTrie& operator=(const StrideTrie&) = delete;
  ~StrideTrie();

  // Builds by painting: prefixes must come in non-decreasing length order, so
  // a longer prefix overwrites the slots of the shorter ones that cover it.
  // `bits` are merged into what covers the prefix (see MergeClassBits).
  // Returns false when the node budget would be exceeded.
  bool Paint(const uint8_t* key, int len, uint8_t bits);

  // The class bits of the longest prefix containing key (network order).
  uint8_t Lookup(const uint8_t* key) const {
    return static_cast<uint8_t>(Walk(root_[RootIndex(key)], key, kRootBytes));
  }

  // Lookup of n <= kMaxBurst keys, with the reads of later keys started
  // while earlier ones complete. IPv4 (one level below the root at most):
  // root reads run kAhead keys ahead, as rte_fib does. IPv6 (several levels):
  // every root read, then every first-level read, is started for the whole
  // burst before any walk goes on, so the deep walks' misses overlap.
  void LookupBurst(const uint8_t* const* keys, uint32_t n, uint8_t* out) const {
    // Locals, not members: `out` is a char pointer that may alias anything,
    // and the compiler would reload root_/nodes_ after every store.
    const uint32_t* const root = root_;
    const uint32_t* const nodes = nodes_;
    constexpr uint32_t kAhead = 16;
    if constexpr (kKeyBytes - kRootBytes == 1) {
      for (uint32_t i = 0; i < n && i < kAhead; i++) __builtin_prefetch(&root[RootIndex(keys[i])]);
      for (uint32_t i = 0; i < n; i++) {
        if (i + kAhead < n) __builtin_prefetch(&root[RootIndex(keys[i + kAhead])]);
        const uint8_t* key = keys[i];
        uint32_t e = root[RootIndex(key)];
        if (e & kChild) e = nodes[NodeBase(e) + key[kRootBytes]];
        out[i] = static_cast<uint8_t>(e);
      }
    } else {
      uint32_t e[kMaxBurst];
      for (uint32_t i = 0; i < n; i++) __builtin_prefetch(&root[RootIndex(keys[i])]);
      for (uint32_t i = 0; i < n; i++) {
        e[i] = root[RootIndex(keys[i])];
        if (e[i] & kChild) __builtin_prefetch(&nodes[NodeBase(e[i]) + keys[i][kRootBytes]]);
      }
      for (uint32_t i = 0; i < n; i++) {
        const uint8_t* key = keys[i];
        uint32_t x = e[i];
        for (int j = kRootBytes; j < kKeyBytes && (x & kChild); j++) x = nodes[NodeBase(x) + key[j]];
        out[i] = static_cast<uint8_t>(x);
      }
    }
  }

  size_t node_count() const { return node_count_; }
  // Read-only views for conversions (Poptrie): 2^kRootBits root entries and
  // node_count() nodes of 256 entries.
  const uint32_t* root() const { return root_; }
  const uint32_t* nodes() const { return nodes_; }
  // One bit per /16 (the first 16 key bits) that any painted prefix touches:
  // every other /16 holds only zeros, and a conversion can skip it unread.
  const uint64_t* painted16() const { return painted16_; }
  size_t max_nodes() const { return max_nodes_; }
  size_t memory_bytes() const {
    return (sizeof(uint32_t) << kRootBits) + node_count_ * 256 * sizeof(uint32_t);
  }

 private:
  // The first kRootBits of the key: one big-endian 32-bit load.
  static uint32_t RootIndex(const uint8_t* key) {
    uint32_t w;
    __builtin_memcpy(&w, key, sizeof w);
    return __builtin_bswap32(w) >> (32 - kRootBits);
  }
  static size_t NodeBase(uint32_t e) { return static_cast<size_t>(e & ~kChild) * 256; }
  uint32_t Walk(uint32_t e, const uint8_t* key, int from) const {
    for (int i = from; i < kKeyBytes && (e & kChild); i++) e = nodes_[NodeBase(e) + key[i]];
    return e;
  }

  // Both live in anonymous mappings with transparent huge pages: untouched
  // parts cost nothing (an empty table reads the zero page), the node array
  // grows in place without copies, and lookups take few TLB misses.
  uint32_t* root_ = nullptr;
  uint32_t* nodes_ = nullptr;
  size_t node_count_ = 0;
  size_t max_nodes_;
  uint64_t painted16_[1024] = {};
};

// consumer/business: the longer prefix's class replaces the shorter's;
// every other bit accumulates over all covering prefixes.
uint8_t MergeClassBits(uint32_t covering, uint8_t bits);

using Ipv4Table = StrideTrie<32, 24>;   // DIR-24-8
using Ipv6Table = StrideTrie<128, 24>;  // 24-bit root, then 8-bit strides

extern template class StrideTrie<32, 24>;
extern template class StrideTrie<128, 24>;

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_STRIDE_TRIE_H_
