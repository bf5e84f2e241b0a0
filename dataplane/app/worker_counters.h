// Per-worker counters: written by one worker lcore only, summed on read by
// the main lcore (stats.cc). Cache-line aligned so workers never share a line.
#ifndef SPAMWALL_DATAPLANE_APP_WORKER_COUNTERS_H_
#define SPAMWALL_DATAPLANE_APP_WORKER_COUNTERS_H_

#include <cstdint>

#include "dataplane/core/packet_parse.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall {

constexpr int kMaxPorts = 32;  // RTE_MAX_ETHPORTS in Debian's DPDK build

struct PortCounters {
  uint64_t rx = 0;         // frames received on the port
  uint64_t tx = 0;         // frames the port accepted for transmission
  uint64_t dropped = 0;    // frames received on the port and dropped by a rule
  uint64_t tx_failed = 0;  // passed frames the port refused after retries
};

struct alignas(64) WorkerCounters {
  uint64_t packets = 0;  // every frame received: packets == passed + sum(dropped)
  uint64_t passed = 0;
  uint64_t dropped[SW_REASON_COUNT] = {};
  uint64_t would_drop[SW_REASON_COUNT] = {};  // monitor mode: counted, passed
  uint64_t malformed[SW_MALFORMED_COUNT] = {};
  uint64_t drop_captured = 0;  // dropped frames written to the drop-capture port
  uint64_t bursts = 0;
  uint64_t classify_cycles = 0;  // parse + lookups + verdict, per burst
  uint64_t io_cycles = 0;        // rx + tx + free, per burst
  PortCounters port[kMaxPorts];
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_WORKER_COUNTERS_H_
