// Longest-prefix table with pre-resolved class bits: a multibit trie with a
// wide root (24 bits for IPv4, i.e. DIR-24-8; 16 bits for IPv6) and 8-bit
// strides below it. One immutable table per family in the compiled policy.
//
// Why our own and not rte_fib: the table is a few flat arrays of uint32_t
// without pointers, so the control plane can build it without an EAL and ship
// it to the dataplane as bytes, and lookups are a fixed walk the benchmarks
// can prefetch (bench/lpm_benchmark.cc compares it with rte_fib/rte_fib6).
//
// Entry encoding: bit 31 set -> child node index in bits 0..30 (256 entries
// per node); clear -> the class bits in bits 0..7 (0 = no list covers it).
#ifndef SPAMWALL_DATAPLANE_CORE_STRIDE_TRIE_H_
#define SPAMWALL_DATAPLANE_CORE_STRIDE_TRIE_H_

#include <cstddef>
#include <cstdint>

namespace spamwall {

class StrideTrie {
 public:
  static constexpr uint32_t kChild = 0x80000000u;

  // key_bits: 32 or 128; root_bits: a multiple of 8, at most 24.
  // max_nodes bounds the memory of the table (1 KiB per node); the address
  // space is reserved up front and only touched as nodes are made.
  StrideTrie(int key_bits, int root_bits, size_t max_nodes = kDefaultMaxNodes);
  StrideTrie(const StrideTrie&) = delete;
  StrideTrie& operator=(const StrideTrie&) = delete;
  ~StrideTrie();

  static constexpr size_t kDefaultMaxNodes = size_t{1} << 22;  // 4M nodes, 4 GiB

  // Builds by painting: prefixes must come in non-decreasing length order, so
  // a longer prefix overwrites the slots of the shorter ones that cover it.
  // `bits` are merged into what covers the prefix (see MergeClassBits).
  // Returns false when the node budget would be exceeded.
  bool Paint(const uint8_t* key, int len, uint8_t bits);

  // The class bits of the longest prefix containing key (network order).
  uint8_t Lookup(const uint8_t* key) const {
    uint32_t e = root_[RootIndex(key)];
    for (int i = root_bytes_; (e & kChild) && i < key_bytes_; i++)
      e = nodes_[static_cast<size_t>(e & ~kChild) * 256 + key[i]];
    return static_cast<uint8_t>(e);
  }

  // Where the first step of Lookup reads, for prefetching across a burst.
  const uint32_t* RootSlot(const uint8_t* key) const { return &root_[RootIndex(key)]; }

  size_t node_count() const { return node_count_; }
  size_t max_nodes() const { return max_nodes_; }
  size_t memory_bytes() const {
    return (sizeof(uint32_t) << root_bits_) + node_count_ * 256 * sizeof(uint32_t);
  }
  int key_bits() const { return key_bytes_ * 8; }

  // consumer/business: the longer prefix's class replaces the shorter's;
  // every other bit accumulates over all covering prefixes.
  static uint8_t MergeClassBits(uint32_t covering, uint8_t bits);

 private:
  uint32_t RootIndex(const uint8_t* key) const {
    uint32_t idx = 0;
    for (int i = 0; i < root_bytes_; i++) idx = (idx << 8) | key[i];
    return idx;
  }

  int key_bytes_;
  int root_bits_;
  int root_bytes_;
  // Both live in anonymous mappings with transparent huge pages: untouched
  // parts cost nothing (an empty table reads the zero page), the node array
  // grows in place without copies, and lookups take few TLB misses.
  uint32_t* root_ = nullptr;
  uint32_t* nodes_ = nullptr;
  size_t node_count_ = 0;
  size_t max_nodes_;
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_STRIDE_TRIE_H_
