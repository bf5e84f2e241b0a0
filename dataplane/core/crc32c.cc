#include "dataplane/core/crc32c.h"

#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace spamwall {

namespace {

constexpr uint32_t kPoly = 0x82f63b78;  // Castagnoli, bit-reflected

// kTable[s][b]: the CRC step of byte b followed by s zero bytes.
struct Tables {
  uint32_t t[8][256];
};
constexpr Tables MakeTables() {
  Tables x{};
  for (uint32_t b = 0; b < 256; b++) {
    uint32_t c = b;
    for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ kPoly : c >> 1;
    x.t[0][b] = c;
  }
  for (int s = 1; s < 8; s++)
    for (uint32_t b = 0; b < 256; b++)
      x.t[s][b] = (x.t[s - 1][b] >> 8) ^ x.t[0][x.t[s - 1][b] & 0xff];
  return x;
}
constexpr Tables kTables = MakeTables();

// a * b modulo the polynomial, both bit-reflected (bit 31 is x^0).
constexpr uint32_t MultModP(uint32_t a, uint32_t b) {
  uint32_t p = 0;
  for (uint32_t m = uint32_t{1} << 31; m; m >>= 1) {
    if (a & m) p ^= b;
    b = b & 1 ? (b >> 1) ^ kPoly : b >> 1;
  }
  return p;
}

// x^(8n) modulo the polynomial: what appending n zero bytes multiplies by.
constexpr uint32_t ZeroBytesOperator(uint64_t n) {
  uint32_t p = uint32_t{1} << 31, base = uint32_t{1} << 23;  // x^0, x^8
  for (; n; n >>= 1) {
    if (n & 1) p = MultModP(base, p);
    base = MultModP(base, base);
  }
  return p;
}

}  // namespace

uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t bytes_b) {
  return MultModP(ZeroBytesOperator(bytes_b), crc_a) ^ crc_b;
}

uint32_t Crc32cSoftware(const void* data, size_t n, uint32_t crc) {
  const auto& t = kTables.t;
  const uint8_t* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  for (; n && reinterpret_cast<uintptr_t>(p) % 8; n--) c = t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    w ^= c;
    c = t[7][w & 0xff] ^ t[6][(w >> 8) & 0xff] ^ t[5][(w >> 16) & 0xff] ^ t[4][(w >> 24) & 0xff] ^
        t[3][(w >> 32) & 0xff] ^ t[2][(w >> 40) & 0xff] ^ t[1][(w >> 48) & 0xff] ^ t[0][w >> 56];
  }
  for (; n; n--) c = t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}

#if defined(__x86_64__)

namespace {

// One crc32 instruction has a latency of 3 cycles and a throughput of 1:
// three independent streams over consecutive lanes keep it busy, and their
// CRCs are joined with one precomputed shift per lane.
constexpr size_t kLane = 32 << 10;
constexpr uint32_t kLaneShift = ZeroBytesOperator(kLane);

__attribute__((target("sse4.2"))) uint64_t Stream(uint64_t c, const uint8_t* p, size_t n) {
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
  }
  for (; n; n--) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
  return c;
}

}  // namespace

__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(const void* data, size_t n, uint32_t crc) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  uint64_t c = ~crc;
  for (; n && reinterpret_cast<uintptr_t>(p) % 8; n--) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
  for (; n >= 3 * kLane; n -= 3 * kLane, p += 3 * kLane) {
    uint64_t a = c, b = 0xffffffff, d = 0xffffffff;
    for (size_t i = 0; i < kLane; i += 8) {
      uint64_t wa, wb, wd;
      std::memcpy(&wa, p + i, 8);
      std::memcpy(&wb, p + kLane + i, 8);
      std::memcpy(&wd, p + 2 * kLane + i, 8);
      a = _mm_crc32_u64(a, wa);
      b = _mm_crc32_u64(b, wb);
      d = _mm_crc32_u64(d, wd);
    }
    // In finished (inverted) form: CRC(lane0 lane1 lane2) from the three.
    const uint32_t ab = MultModP(kLaneShift, ~static_cast<uint32_t>(a)) ^ ~static_cast<uint32_t>(b);
    c = ~(MultModP(kLaneShift, ab) ^ ~static_cast<uint32_t>(d));
  }
  return ~static_cast<uint32_t>(Stream(c, p, n));
}

bool Crc32cHasHardware() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}

#else

uint32_t Crc32cHardware(const void* data, size_t n, uint32_t crc) { return Crc32cSoftware(data, n, crc); }
bool Crc32cHasHardware() { return false; }

#endif

uint32_t Crc32c(const void* data, size_t n, uint32_t crc) {
  return Crc32cHasHardware() ? Crc32cHardware(data, n, crc) : Crc32cSoftware(data, n, crc);
}

}  // namespace spamwall
