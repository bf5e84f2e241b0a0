// Building the Poptrie lookup tables (poptrie.h) straight from a sorted list
// of prefixes, without painting a StrideTrie first: the painted trie of a
// million prefixes is ~800 MB of 1 KiB nodes, most of the compile time.
//
// The list is walked as a tree (sorted by address, then length, a prefix
// comes before every prefix inside it), one 256-entry node per key byte at a
// time into a small buffer per level; Poptrie's build compresses each node
// as it comes. The tables are the ones the StrideTrie path makes, byte for
// byte: a slot of key byte j is a child exactly when some prefix longer than
// 8 * (j + 1) bits lies under it, as in the painted trie.
#ifndef SPAMWALL_DATAPLANE_CORE_POPTRIE_BUILDER_H_
#define SPAMWALL_DATAPLANE_CORE_POPTRIE_BUILDER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace spamwall {

// One prefix of one family and its own class bits; the bits of the prefixes
// covering it are merged in by the build (MergeClassBits, shortest first).
struct PoptriePrefix {
  std::array<uint8_t, 16> addr;  // network order, host bits clear; IPv4 in 0..3
  uint8_t length;
  uint8_t bits;
};

// Sorts by address, then length, and merges equal prefixes: their bits are
// OR-ed, and consumer + business is business (the tie rule).
void SortAndMergePrefixes(std::vector<PoptriePrefix>* prefixes, int key_bytes);

// More nodes than allowed (counted as the StrideTrie would make them, one per
// child entry), so that a node budget means the same on both paths.
class PoptrieNodeLimit : public std::length_error {
 public:
  explicit PoptrieNodeLimit(int key_bits)
      : std::length_error("Poptrie: node limit"), key_bits(key_bits) {}
  int key_bits;  // of the table that hit it: 32 or 128
};

// The source of 256-entry nodes that Poptrie's build reads (poptrie.cc), in
// StrideTrie's entry encoding: bit 31 set, a child (an opaque handle for
// Child); clear, the class bits. Nodes are made on demand into one buffer
// per key byte, so a node's entries stay valid while its children are made.
class PrefixNodeSource {
 public:
  static constexpr uint32_t kChild = 0x80000000u;

  // `sorted`: n prefixes of one family by SortAndMergePrefixes; they must
  // outlive the source. Throws PoptrieNodeLimit past max_nodes child entries.
  PrefixNodeSource(const PoptriePrefix* sorted, size_t n, int key_bytes, size_t max_nodes);

  // The /16 `d` (the first 16 key bits): false with *leaf its class bits when
  // no prefix longer than /16 lies in it, else true with the 256 entries of
  // its key byte 2.
  bool Group(uint32_t d, uint8_t* leaf, const uint32_t** entries);
  // The 256 entries of key byte `byte` behind `entry`, a child entry of the
  // node of key byte `byte - 1` made last.
  const uint32_t* Child(uint32_t entry, int byte);
  // Of the node whose entries are `e` (from Group or Child): bit k clear
  // when its quarter k (entries 64k..64k+63) is all one leaf value.
  uint32_t TouchedQuarters(const uint32_t* e) const {
    return touched_[static_cast<size_t>(e - entries_.data()) / 256];
  }

 private:
  struct Range {
    uint32_t begin, end;  // prefixes longer than the slot, all inside it
    uint8_t cover;        // the slot's class bits
  };
  const uint32_t* Node(const Range& r, int byte);

  const PoptriePrefix* p_;
  int key_bytes_;
  size_t max_nodes_;
  size_t nodes_ = 0;
  std::vector<uint8_t> direct_;            // per /16: class bits of prefixes up to /16
  std::vector<Range> group_;               // per /16: the prefixes longer than /16
  std::vector<uint32_t> entries_;          // per key byte: 256 entries
  std::vector<Range> kids_;                // per key byte: 256 child ranges
  uint8_t touched_[16] = {};               // per key byte: TouchedQuarters
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_POPTRIE_BUILDER_H_
