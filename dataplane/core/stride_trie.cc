#include "dataplane/core/stride_trie.h"

#include <cstdlib>
#include <new>

#include "dataplane/core/verdict_rules.h"

namespace spamwall {

void StrideTrie::FreeDeleter::operator()(uint32_t* p) const { std::free(p); }

StrideTrie::StrideTrie(int key_bits, int root_bits)
    : key_bytes_(key_bits / 8), root_bits_(root_bits), root_bytes_(root_bits / 8) {
  void* p = std::calloc(size_t{1} << root_bits, sizeof(uint32_t));
  if (p == nullptr) throw std::bad_alloc();
  root_.reset(static_cast<uint32_t*>(p));
}

uint8_t StrideTrie::MergeClassBits(uint32_t covering, uint8_t bits) {
  constexpr uint8_t kSubscriber = SW_CLASS_CONSUMER | SW_CLASS_BUSINESS;
  uint8_t v = static_cast<uint8_t>(covering);
  if (bits & kSubscriber) v &= static_cast<uint8_t>(~kSubscriber);
  return static_cast<uint8_t>(v | bits);
}

bool StrideTrie::Paint(const uint8_t* key, int len, uint8_t bits) {
  auto paint_range = [bits](uint32_t* slots, uint32_t first, uint32_t count) {
    // Painting goes shortest first, so no slot in range has children yet.
    for (uint32_t i = first; i < first + count; i++)
      slots[i] = MergeClassBits(slots[i], bits);
  };
  if (len <= root_bits_) {
    uint32_t count = 1u << (root_bits_ - len);
    paint_range(root_.get(), RootIndex(key) & ~(count - 1), count);
    return true;
  }
  // The slot being descended through: in the root, or at an index of nodes_
  // (an index, because growing nodes_ moves it).
  bool in_root = true;
  size_t slot = RootIndex(key);
  for (int depth = root_bits_;; depth += 8) {
    uint32_t entry = in_root ? root_[slot] : nodes_[slot];
    if (!(entry & kChild)) {
      size_t index = node_count();
      if (index >= max_nodes_) return false;
      nodes_.resize(nodes_.size() + 256, entry);  // children inherit the cover
      entry = kChild | static_cast<uint32_t>(index);
      (in_root ? root_[slot] : nodes_[slot]) = entry;
    }
    size_t node = static_cast<size_t>(entry & ~kChild) * 256;
    uint8_t byte = key[depth / 8];
    if (len <= depth + 8) {
      uint32_t count = 1u << (depth + 8 - len);
      paint_range(nodes_.data() + node, byte & ~(count - 1), count);
      return true;
    }
    in_root = false;
    slot = node + byte;
  }
}

}  // namespace spamwall
