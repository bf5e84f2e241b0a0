// A byte buffer in one anonymous mapping that grows in place (mremap): no
// copies on growth, pages faulted only where written, transparent huge pages
// where the kernel has them (anon_mapping.h). Poptrie's build writes its
// table into one and keeps the mapping as the table.
#ifndef SPAMWALL_DATAPLANE_CORE_GROWABLE_MAPPING_H_
#define SPAMWALL_DATAPLANE_CORE_GROWABLE_MAPPING_H_

#include <cstddef>
#include <cstdint>

namespace spamwall {

class GrowableMapping {
 public:
  GrowableMapping() = default;
  GrowableMapping(const GrowableMapping&) = delete;
  GrowableMapping& operator=(const GrowableMapping&) = delete;
  ~GrowableMapping();

  // At least `bytes` usable from data(); data() may move. Throws std::bad_alloc.
  void Reserve(size_t bytes);
  uint8_t* data() const { return data_; }
  size_t capacity() const { return capacity_; }

  // Gives the mapping away, trimmed to `bytes` (rounded up to pages): the
  // caller unmaps it with UnmapAnonymous(p, bytes). nullptr when bytes is 0.
  uint8_t* Release(size_t bytes);

 private:
  uint8_t* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_GROWABLE_MAPPING_H_
