#include "dataplane/core/stride_trie.h"

#include <sys/mman.h>

#include <new>

#include "dataplane/core/verdict_rules.h"

namespace spamwall {

namespace {

constexpr size_t kNodeBytes = 256 * sizeof(uint32_t);

uint32_t* MapZeroed(size_t bytes) {
  if (bytes == 0) return nullptr;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  madvise(p, bytes, MADV_HUGEPAGE);  // a hint; fine where THP is off
  return static_cast<uint32_t*>(p);
}

}  // namespace

StrideTrie::StrideTrie(int key_bits, int root_bits, size_t max_nodes)
    : key_bytes_(key_bits / 8),
      root_bits_(root_bits),
      root_bytes_(root_bits / 8),
      max_nodes_(max_nodes) {
  root_ = MapZeroed(sizeof(uint32_t) << root_bits);
  nodes_ = MapZeroed(max_nodes_ * kNodeBytes);
}

StrideTrie::~StrideTrie() {
  munmap(root_, sizeof(uint32_t) << root_bits_);
  if (nodes_) munmap(nodes_, max_nodes_ * kNodeBytes);
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
    paint_range(root_, RootIndex(key) & ~(count - 1), count);
    return true;
  }
  // The slot being descended through: in the root, or at an index of nodes_
  // (an index, because growing nodes_ moves it).
  bool in_root = true;
  size_t slot = RootIndex(key);
  for (int depth = root_bits_;; depth += 8) {
    uint32_t entry = in_root ? root_[slot] : nodes_[slot];
    if (!(entry & kChild)) {
      size_t index = node_count_;
      if (index >= max_nodes_) return false;
      node_count_++;
      uint32_t* fresh = nodes_ + index * 256;
      for (int i = 0; i < 256; i++) fresh[i] = entry;  // children inherit the cover
      entry = kChild | static_cast<uint32_t>(index);
      (in_root ? root_[slot] : nodes_[slot]) = entry;
    }
    size_t node = static_cast<size_t>(entry & ~kChild) * 256;
    uint8_t byte = key[depth / 8];
    if (len <= depth + 8) {
      uint32_t count = 1u << (depth + 8 - len);
      paint_range(nodes_ + node, byte & ~(count - 1), count);
      return true;
    }
    in_root = false;
    slot = node + byte;
  }
}

}  // namespace spamwall
