// The EAL the DPDK micro-benchmarks need: private (a file prefix of the
// pid), no hugepages, no PCI, no telemetry, errors only in the log.
#ifndef SPAMWALL_BENCH_BENCH_EAL_H_
#define SPAMWALL_BENCH_BENCH_EAL_H_

#include <rte_eal.h>
#include <unistd.h>

#include <cstdio>
#include <iterator>
#include <string>

namespace spamwall::bench {

// `memory_mb`: the heap (-m). False, said on stderr, when the EAL did not start.
inline bool InitBenchEal(const char* argv0, const char* memory_mb) {
  const std::string prefix = "--file-prefix=spamwall-bench-" + std::to_string(getpid());
  const char* eal[] = {argv0, "--no-huge", "-m", memory_mb, "--no-pci", "--no-shconf",
                       "--no-telemetry", "--log-level=*:error", prefix.c_str()};
  if (rte_eal_init(static_cast<int>(std::size(eal)), const_cast<char**>(eal)) < 0) {
    std::fprintf(stderr, "EAL init failed\n");
    return false;
  }
  return true;
}

}  // namespace spamwall::bench

#endif  // SPAMWALL_BENCH_BENCH_EAL_H_
