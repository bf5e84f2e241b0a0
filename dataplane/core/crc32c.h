// CRC-32C (Castagnoli, the iSCSI/ext4 polynomial): the checksum of policy
// images (policy_image.h). SSE4.2's crc32 instruction when the CPU has it,
// chosen at run time (the build assumes no CPU features), else a
// slice-by-8 table.
#ifndef SPAMWALL_DATAPLANE_CORE_CRC32C_H_
#define SPAMWALL_DATAPLANE_CORE_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace spamwall {

// The CRC-32C of n bytes, continuing from `crc` (the CRC of what came
// before): Crc32c(b, nb, Crc32c(a, na)) == CRC of a followed by b.
uint32_t Crc32c(const void* data, size_t n, uint32_t crc = 0);

// The CRC of a followed by b from crc_a, crc_b and b's length alone.
uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t bytes_b);

// Both implementations, for the tests; Crc32cHardware only where
// Crc32cHasHardware().
uint32_t Crc32cSoftware(const void* data, size_t n, uint32_t crc = 0);
uint32_t Crc32cHardware(const void* data, size_t n, uint32_t crc = 0);
bool Crc32cHasHardware();

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_CRC32C_H_
