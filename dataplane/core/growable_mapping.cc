#include "dataplane/core/growable_mapping.h"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

#include "dataplane/core/anon_mapping.h"

namespace spamwall {

namespace {

size_t PageRound(size_t bytes) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

}  // namespace

GrowableMapping::~GrowableMapping() { UnmapAnonymous(data_, capacity_); }

void GrowableMapping::Reserve(size_t bytes) {
  if (bytes <= capacity_) return;
  size_t cap = capacity_ ? capacity_ : size_t{2} << 20;  // one huge page to start
  while (cap < bytes) cap *= 2;
  if (!data_) {
    data_ = static_cast<uint8_t*>(MapAnonymous(cap));
  } else {
    // The mapping keeps its flags (no reserve, huge pages) as it moves.
    void* p = mremap(data_, capacity_, cap, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) throw std::bad_alloc();
    data_ = static_cast<uint8_t*>(p);
  }
  capacity_ = cap;
}

uint8_t* GrowableMapping::Release(size_t bytes) {
  uint8_t* p = data_;
  const size_t keep = PageRound(bytes);
  if (keep < capacity_) munmap(p + keep, capacity_ - keep);
  data_ = nullptr;
  capacity_ = 0;
  return keep ? p : nullptr;
}

}  // namespace spamwall
