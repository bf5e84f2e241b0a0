// Synthetic but realistically shaped prefix sets for the benchmarks: IPv4
// subscriber and business allocations (/16../32, mostly /24 and longer),
// IPv6 delegations (/48, /56, /64) inside a few ISP /28../32 blocks.
#ifndef SPAMWALL_BENCH_PREFIX_SET_H_
#define SPAMWALL_BENCH_PREFIX_SET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/core/prefix.h"

namespace spamwall::bench {

std::vector<Prefix> MakePrefixes(size_t count_v4, size_t count_v6, uint64_t seed);

// An address inside p (random host part).
Prefix AddressIn(const Prefix& p, uint64_t random);

// Writes the prefixes to `dir` as three pool files and a policy that names
// them ({file: ...}): consumer (70%), business (20%), internal (10%) of each
// family. Returns the policy path.
std::string WritePolicyWithPools(const std::string& dir, const std::vector<Prefix>& prefixes);

}  // namespace spamwall::bench

#endif  // SPAMWALL_BENCH_PREFIX_SET_H_
