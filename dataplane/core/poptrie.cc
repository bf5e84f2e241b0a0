#include "dataplane/core/poptrie.h"

#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dataplane/core/anon_mapping.h"
#include "dataplane/core/growable_mapping.h"
#include "dataplane/core/poptrie_builder.h"

namespace spamwall {

namespace {

constexpr uint32_t kSourceChild = 0x80000000u;
using Quarter = PoptrieQuarter;
constexpr uint32_t kInlineLeaves = PoptrieQuarter::kInlineLeaves;
constexpr uint32_t kSmallRuns = 16;  // most runs of a one-slot last-byte node

struct Slot {
  alignas(32) uint8_t bytes[32];
};
static_assert(sizeof(Slot) == sizeof(Quarter));

// Masks over 64 source entries, four at a time with SSE2 (every x86-64):
// the build reads ~100M entries for a million prefixes.
// Bit i: entry i is a child (bit 31 set).
inline uint64_t ChildMask(const uint32_t* e) {
  uint64_t m = 0;
#if defined(__SSE2__)
  for (int i = 0; i < 64; i += 4) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(e + i));
    m |= static_cast<uint64_t>(_mm_movemask_ps(_mm_castsi128_ps(x))) << i;
  }
#else
  for (int i = 0; i < 64; i++) m |= uint64_t{e[i] >> 31} << i;
#endif
  return m;
}

// Bit i: entry i equals v.
inline uint64_t EqualMask(const uint32_t* e, uint32_t v) {
  uint64_t m = 0;
#if defined(__SSE2__)
  const __m128i vv = _mm_set1_epi32(static_cast<int>(v));
  for (int i = 0; i < 64; i += 4) {
    __m128i x = _mm_cmpeq_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(e + i)), vv);
    m |= static_cast<uint64_t>(_mm_movemask_ps(_mm_castsi128_ps(x))) << i;
  }
#else
  for (int i = 0; i < 64; i++) m |= uint64_t{e[i] == v} << i;
#endif
  return m;
}

// Bit i of change[i / 64]: leaf entry i (of 256, no children) differs from
// entry i - 1; never bit 0. Quarters not in `touched` are one value.
inline void ChangeMasks(const uint32_t* e, uint32_t touched, uint64_t change[4]) {
  for (int k = 0; k < 4; k++) {
    const int base = 64 * k;
    uint64_t m = k > 0 && e[base] != e[base - 1];
    if ((touched >> k) & 1) {
      for (int i = base + 1; i < base + 4; i++) m |= uint64_t{e[i] != e[i - 1]} << (i - base);
#if defined(__SSE2__)
      for (int i = base + 4; i < base + 64; i += 4) {
        __m128i same = _mm_cmpeq_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(e + i)),
                                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(e + i - 1)));
        m |= static_cast<uint64_t>(~_mm_movemask_ps(_mm_castsi128_ps(same)) & 0xf) << (i - base);
      }
#else
      for (int i = base + 4; i < base + 64; i++) m |= uint64_t{e[i] != e[i - 1]} << (i - base);
#endif
    }
    change[k] = m;
  }
}

// Compresses 256-entry nodes (StrideTrie's entry encoding) from a Source:
//   bool Group(uint32_t d, uint8_t* leaf, const uint32_t** entries): the /16
//       d, a leaf value or the entries of its key byte 2;
//   const uint32_t* Child(uint32_t entry, int byte): the entries of key
//       byte `byte` behind a child entry of the node made last at byte - 1;
//   uint32_t TouchedQuarters(const uint32_t* entries): bit k clear when
//       quarter k of those entries is all one leaf value.
template <typename Source>
struct Builder {
  Source* source;
  int last_byte;                 // the key byte of the last level
  GrowableMapping block;         // the slots (quarters and small nodes): the table's block
  size_t slot_count = 0;
  std::vector<uint8_t> leaves;   // runs of the quarters that hold more than kInlineLeaves
  std::vector<uint32_t> spilled;  // those quarters: leaf_off indexes `leaves` until BuildFrom ends

  Slot* slots() const { return reinterpret_cast<Slot*>(block.data()); }

  uint32_t Alloc(size_t count) {  // `count` consecutive slots; the first's index
    size_t first = slot_count;
    slot_count += count;
    if (slot_count > (size_t{1} << 31)) throw std::length_error("Poptrie: too many nodes");
    block.Reserve(slot_count * sizeof(Slot));
    return static_cast<uint32_t>(first);
  }

  // A last-byte node (no children) into slot `at`.
  void FillSmall(uint32_t at, const uint32_t* e) {
    uint64_t change[4];
    ChangeMasks(e, source->TouchedQuarters(e), change);
    uint32_t n = 1;
    for (uint64_t m : change) n += static_cast<uint32_t>(__builtin_popcountll(m));
    if (n <= kSmallRuns) {
      Slot s{};
      // Starts of runs 1.. in bytes 1.. (unused: 0, never above a byte),
      // the values from byte 16.
      s.bytes[0] = static_cast<uint8_t>(n);
      s.bytes[16] = static_cast<uint8_t>(e[0]);
      uint32_t r = 1;
      for (int k = 0; k < 4; k++) {
        for (uint64_t m = change[k]; m; m &= m - 1, r++) {
          int i = 64 * k + __builtin_ctzll(m);
          s.bytes[r] = static_cast<uint8_t>(i);
          s.bytes[16 + r] = static_cast<uint8_t>(e[i]);
        }
      }
      slots()[at] = s;
      return;
    }
    uint32_t full = Alloc(4);
    Fill(full, e, last_byte);
    Slot s{};
    std::memcpy(&s.bytes[16], &full, sizeof full);  // byte 0 stays 0
    slots()[at] = s;
  }

  // A node of key byte `byte` into slots `at`..`at + 3`, from 256 source
  // entries (leaf values or source children).
  void Fill(uint32_t at, const uint32_t* e, int byte) {
    const bool small_kids = byte + 1 == last_byte;
    const uint32_t touched = source->TouchedQuarters(e);
    for (int k = 0; k < 4; k++) {
      const uint32_t* s = e + 64 * k;
      uint64_t child = 0, leaf = 0;
      uint8_t runs[64];
      uint32_t nruns = 0;
      uint32_t kids[64];
      uint32_t nkids = 0;
      // Most quarters hold one value around a few children (or none): found
      // with masks, before the general loop; untouched ones without a look.
      if (!((touched >> k) & 1)) {
        leaf = 1;
        runs[nruns++] = static_cast<uint8_t>(s[0]);
      } else if ((child = ChildMask(s)) != ~uint64_t{0}) {
        const int first = __builtin_ctzll(~child);
        const uint32_t v = s[first];
        if ((EqualMask(s, v) | child) == ~uint64_t{0}) {
          leaf = uint64_t{1} << first;
          runs[nruns++] = static_cast<uint8_t>(v);
        } else {
          for (int i = 0; i < 64; i++) {
            if (s[i] & kSourceChild) continue;
            // A run: leaf entries of one value, child entries between them aside.
            uint8_t x = static_cast<uint8_t>(s[i]);
            if (nruns == 0 || x != runs[nruns - 1]) {
              leaf |= uint64_t{1} << i;
              runs[nruns++] = x;
            }
          }
        }
      }
      for (uint64_t m = child; m; m &= m - 1) kids[nkids++] = s[__builtin_ctzll(m)];
      uint32_t base = nkids ? Alloc(size_t{nkids} * (small_kids ? 1 : 4)) : 0;
      size_t qi = size_t{at} + k;
      Quarter q{};
      q.child = child;
      q.leaf = leaf;
      q.child_quarter = base;
      // The runs as a byte offset in the block: inline, or (once BuildFrom
      // knows the slot count) in the leaf array after the slots. Over 4 GiB
      // is refused at the end.
      if (nruns <= kInlineLeaves) {
        std::memcpy(q.inline_leaves, runs, nruns);
        q.leaf_off = static_cast<uint32_t>(qi * sizeof(Quarter) + offsetof(Quarter, inline_leaves));
      } else {
        q.leaf_off = static_cast<uint32_t>(leaves.size());
        spilled.push_back(static_cast<uint32_t>(qi));
        leaves.insert(leaves.end(), runs, runs + nruns);
      }
      std::memcpy(&slots()[qi], &q, sizeof q);
      for (uint32_t c = 0; c < nkids; c++) {
        const uint32_t* kid = source->Child(kids[c], byte + 1);
        if (small_kids)
          FillSmall(base + c, kid);
        else
          Fill(base + 4 * c, kid, byte + 1);
      }
    }
  }
};

// The painted trie as a Source.
struct TrieSource {
  const uint32_t* root;
  int group_bits;  // root bits beyond the direct 16: 0 or 8
  const uint32_t* nodes;
  const uint64_t* painted16;

  bool Group(uint32_t d, uint8_t* leaf, const uint32_t** entries) const {
    if (!((painted16[d >> 6] >> (d & 63)) & 1)) {  // nothing painted: all zeros
      *leaf = 0;
      return false;
    }
    if (group_bits == 0) {
      uint32_t e = root[d];
      if (!(e & kSourceChild)) {
        *leaf = static_cast<uint8_t>(e);
        return false;
      }
      *entries = Child(e, 2);
      return true;
    }
    *entries = root + (size_t{d} << group_bits);
    return true;
  }
  const uint32_t* Child(uint32_t e, int) const {
    return nodes + static_cast<size_t>(e & ~kSourceChild) * 256;
  }
  uint32_t TouchedQuarters(const uint32_t*) const { return 0xf; }  // not known: look at all
};

inline uint32_t DirectIndex(const uint8_t* key) { return (uint32_t{key[0]} << 8) | key[1]; }

// popcount as one instruction: without -mpopcnt the builtin is a libgcc
// call, and a target attribute does not reach template members. Every x86-64
// CPU DPDK supports has the instruction.
inline uint32_t Pop(uint64_t x) {
#if defined(__x86_64__) && !defined(__POPCNT__)
  uint64_t r;
  asm("popcnt %1, %0" : "=r"(r) : "r"(x));
  return static_cast<uint32_t>(r);
#else
  return static_cast<uint32_t>(__builtin_popcountll(x));
#endif
}

// The value of `byte` in the leaf-only quarter `q`.
inline uint8_t QuarterLeaf(const uint8_t* blob, const Quarter& q, uint32_t byte) {
  uint64_t upto = (uint64_t{2} << (byte & 63)) - 1;
  return blob[q.leaf_off + Pop(q.leaf & upto) - 1];
}

// The value of `byte` in the last-byte node at slot `at`.
inline uint8_t SmallLeaf(const uint8_t* blob, uint32_t at, uint32_t byte) {
  const uint8_t* s = blob + size_t{at} * 32;
  uint32_t n = s[0];
  if (__builtin_expect(n == 0, 0)) {  // a full node
    uint32_t full;
    std::memcpy(&full, s + 16, sizeof full);
    const Quarter* quarters = reinterpret_cast<const Quarter*>(blob);
    return QuarterLeaf(blob, quarters[full + (byte >> 6)], byte);
  }
#if defined(__SSE2__)
  __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));
  __m128i starts = _mm_xor_si128(_mm_load_si128(reinterpret_cast<const __m128i*>(s)), bias);
  __m128i b = _mm_xor_si128(_mm_set1_epi8(static_cast<char>(byte)), bias);
  uint32_t above = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpgt_epi8(starts, b))) & 0xfffe;
  return s[16 + n - 1 - Pop(above)];
#else
  uint32_t r = 0;
  for (uint32_t i = 1; i < n; i++) r += s[i] <= byte;
  return s[16 + r];
#endif
}

}  // namespace

template <int kKeyBits>
void Poptrie<kKeyBits>::Build(const uint32_t* root, int root_bits, const uint32_t* nodes,
                              const uint64_t* painted16) {
  TrieSource source{root, root_bits - kDirectBits, nodes, painted16};
  BuildFrom(&source);
}

template <int kKeyBits>
Poptrie<kKeyBits>::Poptrie(const PoptriePrefix* sorted, size_t n, size_t max_nodes) {
  PrefixNodeSource source(sorted, n, kKeyBytes, max_nodes);
  BuildFrom(&source);
}

template <int kKeyBits>
template <typename Source>
void Poptrie<kKeyBits>::BuildFrom(Source* source) {
  Builder<Source> b{source, kKeyBytes - 1, {}, 0, {}, {}};
  std::vector<uint32_t> direct(size_t{1} << kDirectBits);
  for (uint32_t d = 0; d < direct.size(); d++) {
    uint8_t leaf = 0;
    const uint32_t* g = nullptr;
    if (!source->Group(d, &leaf, &g)) {
      direct[d] = kDirectLeaf | leaf;
      continue;
    }
    bool uniform = !(g[0] & kSourceChild);
    for (int i = 1; i < 256 && uniform; i++) uniform = g[i] == g[0];
    if (uniform) {
      direct[d] = kDirectLeaf | (g[0] & 0xff);
    } else {
      uint32_t at = b.Alloc(4);
      direct[d] = at;
      b.Fill(at, g, 2);
    }
  }
  slot_count_ = b.slot_count;
  leaf_count_ = b.leaves.size();
  const size_t slot_bytes = slot_count_ * sizeof(Slot);
  if (blob_bytes() > UINT32_MAX) throw std::length_error("Poptrie: over 4 GiB");
  for (uint32_t qi : b.spilled) {
    Quarter q;
    std::memcpy(&q, &b.slots()[qi], sizeof q);
    q.leaf_off += static_cast<uint32_t>(slot_bytes);
    std::memcpy(&b.slots()[qi], &q, sizeof q);
  }
  b.block.Reserve(blob_bytes());
  if (leaf_count_) std::memcpy(b.block.data() + slot_bytes, b.leaves.data(), leaf_count_);
  direct_ = static_cast<uint32_t*>(MapAnonymous(direct.size() * sizeof(uint32_t)));
  std::memcpy(direct_, direct.data(), direct.size() * sizeof(uint32_t));
  blob_ = b.block.Release(blob_bytes());
}

template <int kKeyBits>
Poptrie<kKeyBits>::~Poptrie() {
  UnmapAnonymous(direct_, sizeof(uint32_t) << kDirectBits);
  UnmapAnonymous(blob_, blob_bytes());
}

template <int kKeyBits>
uint8_t Poptrie<kKeyBits>::Lookup(const uint8_t* key) const {
  uint32_t d = direct_[DirectIndex(key)];
  if (d & kDirectLeaf) return static_cast<uint8_t>(d);
  const Quarter* quarters = reinterpret_cast<const Quarter*>(blob_);
  uint32_t at = d + (key[2] >> 6);
  for (int j = 2;; j++) {
    if (j == kKeyBytes - 1) return SmallLeaf(blob_, at, key[j]);
    const Quarter& q = quarters[at];
    uint32_t bit = key[j] & 63;
    if (!((q.child >> bit) & 1)) return QuarterLeaf(blob_, q, bit);
    uint32_t rank = Pop(q.child & ((uint64_t{1} << bit) - 1));
    at = j + 1 == kKeyBytes - 1 ? q.child_quarter + rank : q.child_quarter + 4 * rank + (key[j + 1] >> 6);
  }
}

template <int kKeyBits>
void Poptrie<kKeyBits>::LookupBurst(const uint8_t* const* keys, uint32_t n, uint8_t* out) const {
  // Locals: `out` may alias anything, members would be reloaded per store.
  // The walk has no branches on the data (they would mispredict about half
  // the time): each level reads the slot of every key still walking (all
  // prefetched by the level before), writes its out[] and its next slot,
  // and keeps on the list the keys that reached a child.
  const uint32_t* const direct = direct_;
  const uint8_t* const blob = blob_;
  const Quarter* const quarters = reinterpret_cast<const Quarter*>(blob);
  const uint8_t* key_of[kMaxBurst];  // per walking key: its key, slot, index
  uint32_t slot_of[kMaxBurst];
  uint8_t index_of[kMaxBurst];
  for (uint32_t i = 0; i < n; i++) __builtin_prefetch(&direct[DirectIndex(keys[i])]);
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t* key = keys[i];
    uint32_t d = direct[DirectIndex(key)];
    out[i] = static_cast<uint8_t>(d);
    uint32_t at = d + (key[2] >> 6);  // garbage for a leaf: never read
    __builtin_prefetch(&quarters[at]);  // prefetches do not fault
    key_of[m] = key;
    slot_of[m] = at;
    index_of[m] = static_cast<uint8_t>(i);
    m += !(d & kDirectLeaf);
  }
  int j = 2;
  for (; j < kKeyBytes - 1 && m != 0; j++) {
    const bool small_next = j + 1 == kKeyBytes - 1;
    uint32_t still = 0;
    for (uint32_t a = 0; a < m; a++) {
      const uint8_t* key = key_of[a];
      const Quarter& q = quarters[slot_of[a]];
      uint32_t i = index_of[a];
      uint32_t bit = key[j] & 63;
      uint64_t below = (uint64_t{1} << bit) - 1;
      uint32_t is_child = static_cast<uint32_t>(q.child >> bit) & 1;
      uint32_t rank = Pop(q.child & below);
      uint32_t next = small_next ? q.child_quarter + rank
                                 : q.child_quarter + 4 * rank + (key[j + 1] >> 6);
      __builtin_prefetch(&quarters[next]);
      // On a child entry this reads a byte of no meaning, but inside the block.
      out[i] = blob[q.leaf_off + Pop(q.leaf & ((below << 1) | 1)) - 1];
      key_of[still] = key;
      slot_of[still] = next;
      index_of[still] = static_cast<uint8_t>(i);
      still += is_child;
    }
    m = still;
  }
  for (uint32_t a = 0; a < m; a++) out[index_of[a]] = SmallLeaf(blob, slot_of[a], key_of[a][kKeyBytes - 1]);
}

template class Poptrie<32>;
template class Poptrie<128>;

}  // namespace spamwall
