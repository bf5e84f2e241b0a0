// Which SMTP flows the sampler sees: a hash of the 5-tuple that is the same
// in both directions (each endpoint folded alone, then combined by
// commutative operations), so a chosen flow is seen whole, both directions
// and every packet; and which sampler takes it, from other bits of the same
// hash, so one flow always goes to one sampler.
#ifndef SPAMWALL_DATAPLANE_CORE_FLOW_HASH_H_
#define SPAMWALL_DATAPLANE_CORE_FLOW_HASH_H_

#include <cstdint>
#include <cstring>

#include "dataplane/core/packet_parse.h"

namespace spamwall {

namespace flow_hash_detail {

inline uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// One endpoint: its address and port.
inline uint64_t Endpoint(const uint8_t* addr, int addr_bytes, uint16_t port) {
  uint64_t lo = 0, hi = 0;
  std::memcpy(&lo, addr, addr_bytes < 8 ? addr_bytes : 8);
  if (addr_bytes > 8) std::memcpy(&hi, addr + 8, 8);
  return Mix(lo ^ Mix(hi ^ (uint64_t{port} << 48)));
}

}  // namespace flow_hash_detail

inline uint64_t SymmetricFlowHash(const sw_parsed& p) {
  using namespace flow_hash_detail;
  const int n = p.l3 == SW_L3_IPV4 ? 4 : 16;
  const uint64_t a = Endpoint(p.src, n, p.sport), b = Endpoint(p.dst, n, p.dport);
  return Mix((a + b) ^ ((a ^ b) << 1) ^ p.l4_proto);
}

// 1 in `rate` flows (0: none, 1: all), from the hash's high half.
inline bool SampleFlow(uint64_t hash, uint32_t rate) {
  if (rate <= 1) return rate == 1;
  return (((hash >> 32) * rate) >> 32) == 0;
}

// The sampler (0..samplers-1) that takes the flow, from the low half.
inline unsigned SamplerOf(uint64_t hash, unsigned samplers) {
  return static_cast<unsigned>(((hash & 0xffffffffULL) * samplers) >> 32);
}

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_FLOW_HASH_H_
