// A compressed, read-only copy of a finished StrideTrie, in the spirit of
// Poptrie (Asai & Ohara, SIGCOMM 2015): the same answers from a table a few
// percent of the size, so that more of each walk hits the caches.
//
// Shape: a direct array indexed by the first 16 key bits, then 8-bit strides
// as in the source trie. Each 256-slot node (a source node, or a group of 256
// source root slots) is kept as four 32-byte quarters of 64 slots:
//   child  - bit i set: slot i is a child node
//   leaf   - bit i set: leaf slot i starts a run (its value differs from the
//            previous leaf slot of the quarter); runs are stored once
//   child_quarter - slot index of the quarter's first child (the children
//            of a quarter are consecutive: child c at child_quarter + 4c, or
//            + c for the one-slot nodes of the last byte)
//   leaf_off - byte offset of the quarter's runs in the table's one block
//            (quarters, then a leaf array): up to 8 runs are kept inline in
//            the quarter, more go to the leaf array
// Nodes of the last key byte have no children; most hold a few runs, so
// they take one 32-byte slot: byte 0 the number of runs (1..16), bytes 1..15
// where runs 1.. start, bytes 16..31 the values; the run of a byte is found
// by one 16-byte compare. A last-byte node of more runs is a full node whose
// first slot index is at bytes 16..19, byte 0 being 0.
// A lookup reads one quarter per level (one cache line) and counts bits
// below the slot with popcount. All storage is flat arrays of plain values
// and offsets (no pointers), under 4 GiB.
#ifndef SPAMWALL_DATAPLANE_CORE_POPTRIE_H_
#define SPAMWALL_DATAPLANE_CORE_POPTRIE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "dataplane/core/stride_trie.h"

namespace spamwall {

struct PoptriePrefix;  // poptrie_builder.h

// 64 entries of a node (see above); 32 bytes, so never across a cache line.
struct alignas(32) PoptrieQuarter {
  static constexpr uint32_t kInlineLeaves = 8;
  uint64_t child;
  uint64_t leaf;
  uint32_t child_quarter;
  uint32_t leaf_off;
  uint8_t inline_leaves[kInlineLeaves];
};
static_assert(sizeof(PoptrieQuarter) == 32);

template <int kKeyBits>
class Poptrie {
  static_assert(kKeyBits % 8 == 0 && kKeyBits >= 32);

 public:
  static constexpr uint32_t kMaxBurst = 128;
  static constexpr int kKeyBytes = kKeyBits / 8;
  static constexpr int kDirectBits = 16;
  static constexpr uint32_t kDirectLeaf = 0x80000000u;  // else a slot index
  static constexpr uint32_t kInlineLeaves = PoptrieQuarter::kInlineLeaves;

  using Quarter = PoptrieQuarter;

  template <int R>
  explicit Poptrie(const StrideTrie<kKeyBits, R>& source);
  // Straight from n prefixes sorted and merged by SortAndMergePrefixes
  // (poptrie_builder.h), without a painted trie: the same tables. Throws
  // PoptrieNodeLimit past max_nodes nodes of the StrideTrie it replaces.
  Poptrie(const PoptriePrefix* sorted, size_t n, size_t max_nodes);

  // The tables as they lie in memory: what a policy image (policy_image.h)
  // carries from the compiler's process to the dataplane's.
  struct Storage {
    const uint32_t* direct;  // 2^16 entries
    const uint8_t* blob;     // slot_count 32-byte slots, then leaf_count runs
    size_t slot_count;
    size_t leaf_count;
  };
  Storage storage() const { return {direct_, blob_, slot_count_, leaf_count_}; }
  // A copy of tables built elsewhere; they must have passed ValidateStorage.
  explicit Poptrie(const Storage& tables);
  // Checks tables from outside the process: every slot and byte any lookup
  // can reach lies inside them, so that a corrupt image cannot make a worker
  // read out of bounds. Linear in the size of the tables.
  static bool ValidateStorage(const Storage& tables, std::string* error);
  Poptrie(const Poptrie&) = delete;
  Poptrie& operator=(const Poptrie&) = delete;
  ~Poptrie();

  uint8_t Lookup(const uint8_t* key) const;
  // n <= kMaxBurst keys; the walks go level by level over the whole burst,
  // each level's reads started for every key before any is used.
  void LookupBurst(const uint8_t* const* keys, uint32_t n, uint8_t* out) const;

  size_t slot_count() const { return slot_count_; }  // 32-byte slots: quarters, small last-byte nodes
  size_t memory_bytes() const {
    return (sizeof(uint32_t) << kDirectBits) + blob_bytes();
  }

 private:
  // painted16: one bit per /16 that holds anything but zeros.
  void Build(const uint32_t* root, int root_bits, const uint32_t* nodes, const uint64_t* painted16);
  template <typename Source>
  void BuildFrom(Source* source);  // poptrie.cc: a source of 256-entry nodes

  size_t blob_bytes() const { return slot_count_ * sizeof(Quarter) + leaf_count_; }

  uint32_t* direct_ = nullptr;  // 2^16 entries
  uint8_t* blob_ = nullptr;     // slot_count_ slots of 32 bytes, then leaf_count_ runs
  size_t slot_count_ = 0;
  size_t leaf_count_ = 0;
};

template <int kKeyBits>
template <int R>
Poptrie<kKeyBits>::Poptrie(const StrideTrie<kKeyBits, R>& source) {
  static_assert(R >= kDirectBits, "the source root must cover the direct bits");
  static_assert(kDirectBits == 16, "StrideTrie::painted16 marks /16s");
  Build(source.root(), R, source.nodes(), source.painted16());
}

using Ipv4Poptrie = Poptrie<32>;
using Ipv6Poptrie = Poptrie<128>;

extern template class Poptrie<32>;
extern template class Poptrie<128>;

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_POPTRIE_H_
