// Zeroed anonymous memory for the prefix tables: reserved up front, touched
// only where written (an empty table reads the zero page), never moved, and
// backed by transparent huge pages where the kernel has them.
#ifndef SPAMWALL_DATAPLANE_CORE_ANON_MAPPING_H_
#define SPAMWALL_DATAPLANE_CORE_ANON_MAPPING_H_

#include <cstddef>

namespace spamwall {

void* MapAnonymous(size_t bytes);  // throws std::bad_alloc
void UnmapAnonymous(void* p, size_t bytes);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_ANON_MAPPING_H_
