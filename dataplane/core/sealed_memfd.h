// A memfd holding given bytes, sealed against any change: how an image
// already in memory (read back from state_dir/generations/) travels to the
// dataplane, which refuses a descriptor that could change while it reads.
#ifndef SPAMWALL_DATAPLANE_CORE_SEALED_MEMFD_H_
#define SPAMWALL_DATAPLANE_CORE_SEALED_MEMFD_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace spamwall {

// The descriptor, or -1 with *error.
int SealedMemfd(const char* name, const uint8_t* bytes, size_t size, std::string* error);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_SEALED_MEMFD_H_
