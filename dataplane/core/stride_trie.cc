#include "dataplane/core/stride_trie.h"

#include "dataplane/core/anon_mapping.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall {

namespace {
constexpr size_t kNodeBytes = 256 * sizeof(uint32_t);
}  // namespace

uint8_t MergeClassBits(uint32_t covering, uint8_t bits) {
  constexpr uint8_t kSubscriber = SW_CLASS_CONSUMER | SW_CLASS_BUSINESS;
  uint8_t v = static_cast<uint8_t>(covering);
  if (bits & kSubscriber) v &= static_cast<uint8_t>(~kSubscriber);
  return static_cast<uint8_t>(v | bits);
}

template <int kKeyBits, int kRootBits>
StrideTrie<kKeyBits, kRootBits>::StrideTrie(size_t max_nodes) : max_nodes_(max_nodes) {
  root_ = static_cast<uint32_t*>(MapAnonymous(sizeof(uint32_t) << kRootBits));
  nodes_ = static_cast<uint32_t*>(MapAnonymous(max_nodes_ * kNodeBytes));
}

template <int kKeyBits, int kRootBits>
StrideTrie<kKeyBits, kRootBits>::~StrideTrie() {
  UnmapAnonymous(root_, sizeof(uint32_t) << kRootBits);
  UnmapAnonymous(nodes_, max_nodes_ * kNodeBytes);
}

template <int kKeyBits, int kRootBits>
bool StrideTrie<kKeyBits, kRootBits>::Paint(const uint8_t* key, int len, uint8_t bits) {
  uint32_t top = (uint32_t{key[0]} << 8) | key[1];
  uint32_t tops = len >= 16 ? 1u : 1u << (16 - len);
  for (uint32_t t = top & ~(tops - 1), end = t + tops; t < end; t++)
    painted16_[t >> 6] |= uint64_t{1} << (t & 63);
  auto paint_range = [bits](uint32_t* slots, uint32_t first, uint32_t count) {
    // Painting goes shortest first, so no slot in range has children yet.
    for (uint32_t i = first; i < first + count; i++) slots[i] = MergeClassBits(slots[i], bits);
  };
  if (len <= kRootBits) {
    uint32_t count = 1u << (kRootBits - len);
    paint_range(root_, RootIndex(key) & ~(count - 1), count);
    return true;
  }
  uint32_t* slot = &root_[RootIndex(key)];  // nodes_ never moves: a pointer is safe
  for (int depth = kRootBits;; depth += 8) {
    if (!(*slot & kChild)) {
      if (node_count_ >= max_nodes_) return false;
      uint32_t* fresh = nodes_ + node_count_ * 256;
      for (int i = 0; i < 256; i++) fresh[i] = *slot;  // children inherit the cover
      *slot = kChild | static_cast<uint32_t>(node_count_++);
    }
    uint32_t* node = nodes_ + NodeBase(*slot);
    uint8_t byte = key[depth / 8];
    if (len <= depth + 8) {
      uint32_t count = 1u << (depth + 8 - len);
      paint_range(node, byte & ~(count - 1), count);
      return true;
    }
    slot = &node[byte];
  }
}

template class StrideTrie<32, 24>;
template class StrideTrie<128, 24>;

}  // namespace spamwall
