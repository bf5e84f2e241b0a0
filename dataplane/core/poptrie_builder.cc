#include "dataplane/core/poptrie_builder.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dataplane/core/huge_page_hint.h"
#include "dataplane/core/stride_trie.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall {

namespace {

// Big-endian words of the address: integer compares instead of byte loops.
inline uint64_t Word(const PoptriePrefix& p, int i) {
  uint64_t w;
  std::memcpy(&w, p.addr.data() + 8 * i, sizeof w);
  return __builtin_bswap64(w);
}
inline uint64_t Key4(const PoptriePrefix& p) {  // address, then length
  uint32_t w;
  std::memcpy(&w, p.addr.data(), sizeof w);
  return (uint64_t{__builtin_bswap32(w)} << 8) | p.length;
}

inline void Fill256(uint32_t* e, uint32_t value) {
#if defined(__SSE2__)
  const __m128i v = _mm_set1_epi32(static_cast<int>(value));
  for (int i = 0; i < 256; i += 4) _mm_storeu_si128(reinterpret_cast<__m128i*>(e + i), v);
#else
  std::fill(e, e + 256, value);
#endif
}

// Least-significant-digit radix sort by address, then length: one stable
// counting pass per key byte, skipping the bytes every prefix shares (most
// of an IPv6 address in practice). A million prefixes in a few passes.
void RadixSort(std::vector<PoptriePrefix>* v, int key_bytes) {
  const size_t n = v->size();
  const int digits = key_bytes + 1;  // digit 0: the length; 1..: address bytes from the last
  auto digit = [key_bytes](const PoptriePrefix& p, int d) -> uint8_t {
    return d == 0 ? p.length : p.addr[key_bytes - d];
  };
  std::vector<std::array<uint32_t, 256>> count(digits);
  for (const PoptriePrefix& p : *v)
    for (int d = 0; d < digits; d++) count[d][digit(p, d)]++;
  std::vector<PoptriePrefix> tmp;
  for (int d = 0; d < digits; d++) {
    if (std::find(count[d].begin(), count[d].end(), n) != count[d].end()) continue;  // all equal
    if (tmp.empty()) {
      tmp.reserve(n);
      HugePageHintCapacity(tmp);
      tmp.resize(n);
    }
    uint32_t at[256], sum = 0;
    for (int b = 0; b < 256; b++) at[b] = sum, sum += count[d][b];
    for (const PoptriePrefix& p : *v) tmp[at[digit(p, d)]++] = p;
    v->swap(tmp);
  }
}

}  // namespace

void SortAndMergePrefixes(std::vector<PoptriePrefix>* prefixes, int key_bytes) {
  std::vector<PoptriePrefix>& v = *prefixes;
  if (v.size() > UINT32_MAX) throw std::length_error("Poptrie: too many prefixes");
  if (v.size() < 256) {  // tests, small policies: a comparison sort
    std::sort(v.begin(), v.end(), [key_bytes](const PoptriePrefix& a, const PoptriePrefix& b) {
      if (key_bytes == 4) return Key4(a) < Key4(b);
      uint64_t a0 = Word(a, 0), b0 = Word(b, 0);
      if (a0 != b0) return a0 < b0;
      uint64_t a1 = Word(a, 1), b1 = Word(b, 1);
      if (a1 != b1) return a1 < b1;
      return a.length < b.length;
    });
  } else {
    RadixSort(&v, key_bytes);
  }
  size_t w = 0;
  for (size_t r = 0; r < v.size(); r++) {
    if (w > 0 && v[w - 1].length == v[r].length &&
        std::memcmp(v[w - 1].addr.data(), v[r].addr.data(), key_bytes) == 0) {
      v[w - 1].bits |= v[r].bits;
    } else {
      v[w++] = v[r];
    }
    uint8_t& b = v[w - 1].bits;
    if ((b & SW_CLASS_CONSUMER) && (b & SW_CLASS_BUSINESS)) b &= ~SW_CLASS_CONSUMER;
  }
  v.resize(w);
}

PrefixNodeSource::PrefixNodeSource(const PoptriePrefix* sorted, size_t n, int key_bytes,
                                   size_t max_nodes)
    : p_(sorted),
      key_bytes_(key_bytes),
      max_nodes_(max_nodes),
      direct_(size_t{1} << 16),
      group_(size_t{1} << 16),
      entries_(size_t{256} * key_bytes),
      kids_(size_t{256} * key_bytes) {
  if (n > UINT32_MAX) throw std::length_error("Poptrie: too many prefixes");
  // Prefixes up to /16 paint the /16s, in list order: a prefix comes before
  // the ones inside it, so every /16 folds its covers shortest first. The
  // longer ones of a /16 are consecutive (after any painting it).
  for (uint32_t i = 0; i < n;) {
    const PoptriePrefix& q = p_[i];
    uint32_t d = (uint32_t{q.addr[0]} << 8) | q.addr[1];
    if (q.length <= 16) {
      for (uint32_t t = d, end = d + (1u << (16 - q.length)); t < end; t++)
        direct_[t] = MergeClassBits(direct_[t], q.bits);
      i++;
      continue;
    }
    uint32_t k = i + 1;
    while (k < n && ((uint32_t{p_[k].addr[0]} << 8) | p_[k].addr[1]) == d) k++;
    group_[d] = {i, k, 0};
    i = k;
  }
}

bool PrefixNodeSource::Group(uint32_t d, uint8_t* leaf, const uint32_t** entries) {
  Range r = group_[d];
  r.cover = direct_[d];
  if (r.begin == r.end) {
    *leaf = r.cover;
    return false;
  }
  *entries = Node(r, 2);
  return true;
}

const uint32_t* PrefixNodeSource::Child(uint32_t entry, int byte) {
  return Node(kids_[size_t{256} * (byte - 1) + (entry & 0xff)], byte);
}

// The node of key byte j: every slot starts as the cover; a prefix that ends
// in this byte paints its slots (in list order: covers first), a run of
// longer prefixes under one slot makes it a child holding the slot's bits.
// Those runs start after every prefix painting their slot, so the bits a
// child inherits are final.
const uint32_t* PrefixNodeSource::Node(const Range& r, int j) {
  uint32_t* e = &entries_[size_t{256} * j];
  Range* kids = &kids_[size_t{256} * j];
  Fill256(e, r.cover);
  const int end_bits = 8 * (j + 1);
  uint32_t touched = 0;
  for (uint32_t i = r.begin; i < r.end;) {
    const PoptriePrefix& q = p_[i];
    uint32_t s = q.addr[j];
    if (q.length <= end_bits) {
      const uint32_t end = s + (1u << (end_bits - q.length));
      for (uint32_t t = s; t < end; t++) e[t] = MergeClassBits(e[t], q.bits);
      for (uint32_t k = s >> 6; k <= (end - 1) >> 6; k++) touched |= 1u << k;
      i++;
      continue;
    }
    touched |= 1u << (s >> 6);
    uint32_t k = i + 1;
    while (k < r.end && p_[k].addr[j] == s) k++;
    if (++nodes_ > max_nodes_) throw PoptrieNodeLimit(8 * key_bytes_);
    kids[s] = {i, k, static_cast<uint8_t>(e[s])};
    e[s] = kChild | s;
    i = k;
  }
  touched_[j] = static_cast<uint8_t>(touched);
  return e;
}

}  // namespace spamwall
