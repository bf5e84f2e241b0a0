// Poptrie tables that come from another process: copying them in, and the
// bounds check that makes it safe to look up in them.
#include <cstring>

#include "dataplane/core/anon_mapping.h"
#include "dataplane/core/poptrie.h"

namespace spamwall {

namespace {

uint32_t Pop(uint64_t x) { return static_cast<uint32_t>(__builtin_popcountll(x)); }

// Walks the tables as Lookup and LookupBurst do, checking each read (see the
// format in poptrie.h). In tables a Builder made, every slot belongs to one
// node reached from one parent, so the walk visits at most slot_count slots;
// more means shared or cyclic children, which are refused to keep the check
// linear.
template <int kKeyBytes>
class StorageCheck {
 public:
  StorageCheck(const uint8_t* blob, size_t slots, size_t leaves)
      : blob_(blob), slots_(slots), blob_bytes_(slots * 32 + leaves), budget_(slots) {}

  std::string error;

  // A 4-quarter node of key byte j at slot `at`.
  bool Node(uint64_t at, int j) {
    if (!Take(at, 4, "node")) return false;
    for (int k = 0; k < 4; k++) {
      PoptrieQuarter q;
      std::memcpy(&q, blob_ + (at + k) * 32, sizeof q);
      if (!Leaves(q, at + k)) return false;
      const uint32_t kids = Pop(q.child);
      if (kids == 0) continue;
      if (j + 1 >= kKeyBytes) return Fail(at + k, "children below the last key byte");
      const bool small = j + 1 == kKeyBytes - 1;
      for (uint32_t c = 0; c < kids; c++) {
        if (small ? !Small(uint64_t{q.child_quarter} + c)
                  : !Node(uint64_t{q.child_quarter} + 4 * c, j + 1))
          return false;
      }
    }
    return true;
  }

  // A last-byte node at slot `at`.
  bool Small(uint64_t at) {
    if (!Take(at, 1, "last-byte node")) return false;
    const uint8_t* s = blob_ + at * 32;
    if (s[0] > 16) return Fail(at, "last-byte node of more than 16 runs");
    if (s[0] > 0) return true;
    uint32_t full;
    std::memcpy(&full, s + 16, sizeof full);
    if (!Take(full, 4, "full last-byte node")) return false;
    for (int k = 0; k < 4; k++) {
      PoptrieQuarter q;
      std::memcpy(&q, blob_ + (uint64_t{full} + k) * 32, sizeof q);
      if (q.child) return Fail(full + k, "children below the last key byte");
      if (!Leaves(q, full + k)) return false;
    }
    return true;
  }

 private:
  bool Fail(uint64_t at, const std::string& what) {
    error = "slot " + std::to_string(at) + ": " + what;
    return false;
  }
  bool Take(uint64_t at, uint64_t count, const char* what) {
    if (at + count > slots_)
      return Fail(at, std::string(what) + " beyond the " + std::to_string(slots_) + " slots");
    if (count > budget_) return Fail(at, "slots reached more than once (shared or cyclic children)");
    budget_ -= count;
    return true;
  }
  // A quarter's runs: the lookups read blob[leaf_off - 1 .. leaf_off + runs - 1].
  bool Leaves(const PoptrieQuarter& q, uint64_t at) {
    if (q.leaf_off == 0 || uint64_t{q.leaf_off} + Pop(q.leaf) > blob_bytes_)
      return Fail(at, "runs at byte " + std::to_string(q.leaf_off) + " outside the " +
                          std::to_string(blob_bytes_) + "-byte table");
    return true;
  }

  const uint8_t* blob_;
  uint64_t slots_, blob_bytes_, budget_;
};

}  // namespace

template <int kKeyBits>
Poptrie<kKeyBits>::Poptrie(const Storage& tables)
    : slot_count_(tables.slot_count), leaf_count_(tables.leaf_count) {
  direct_ = static_cast<uint32_t*>(MapAnonymous(sizeof(uint32_t) << kDirectBits));
  std::memcpy(direct_, tables.direct, sizeof(uint32_t) << kDirectBits);
  blob_ = static_cast<uint8_t*>(MapAnonymous(blob_bytes()));
  if (blob_bytes()) std::memcpy(blob_, tables.blob, blob_bytes());
}

template <int kKeyBits>
bool Poptrie<kKeyBits>::ValidateStorage(const Storage& tables, std::string* error) {
  const uint64_t bytes = uint64_t{tables.slot_count} * 32 + tables.leaf_count;
  if (tables.slot_count > (size_t{1} << 31) || bytes > UINT32_MAX) {
    *error = "tables over 4 GiB";
    return false;
  }
  StorageCheck<kKeyBytes> check(tables.blob, tables.slot_count, tables.leaf_count);
  for (size_t d = 0; d < (size_t{1} << kDirectBits); d++) {
    uint32_t e = tables.direct[d];
    if (e & kDirectLeaf) continue;
    if (!check.Node(e, 2)) {
      *error = "direct entry " + std::to_string(d) + ": " + check.error;
      return false;
    }
  }
  return true;
}

template Poptrie<32>::Poptrie(const Storage&);
template Poptrie<128>::Poptrie(const Storage&);
template bool Poptrie<32>::ValidateStorage(const Storage&, std::string*);
template bool Poptrie<128>::ValidateStorage(const Storage&, std::string*);

}  // namespace spamwall
