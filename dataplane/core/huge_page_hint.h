// Asks for transparent huge pages under a large buffer not yet written
// (a reserved std::vector): on the VMs this runs on, a 4 KiB page fault costs
// ~10 us, so the ~8,000 faults of a 32 MB buffer cost more than filling it.
// Only the 2 MiB-aligned inside of the buffer is advised; a hint, nothing
// changes where the kernel has no THP.
#ifndef SPAMWALL_DATAPLANE_CORE_HUGE_PAGE_HINT_H_
#define SPAMWALL_DATAPLANE_CORE_HUGE_PAGE_HINT_H_

#include <cstddef>

namespace spamwall {

void HugePageHint(const void* p, size_t bytes);

// The unused capacity of a vector after reserve().
template <typename Vector>
void HugePageHintCapacity(const Vector& v) {
  HugePageHint(v.data() + v.size(), (v.capacity() - v.size()) * sizeof(*v.data()));
}

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_HUGE_PAGE_HINT_H_
