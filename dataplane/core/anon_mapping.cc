#include "dataplane/core/anon_mapping.h"

#include <sys/mman.h>

#include <new>

namespace spamwall {

void* MapAnonymous(size_t bytes) {
  if (bytes == 0) return nullptr;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  madvise(p, bytes, MADV_HUGEPAGE);  // a hint; fine where THP is off
  return p;
}

void UnmapAnonymous(void* p, size_t bytes) {
  if (p != nullptr) munmap(p, bytes);
}

}  // namespace spamwall
