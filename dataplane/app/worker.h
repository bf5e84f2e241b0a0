// The run-to-completion loop of one worker lcore: for its queue on both ports
// of a port pair, RX a burst, classify it, TX what passes out of the other
// port, drop (or capture) the rest, count everything.
#ifndef SPAMWALL_DATAPLANE_APP_WORKER_H_
#define SPAMWALL_DATAPLANE_APP_WORKER_H_

#include <atomic>
#include <cstdint>

#include "dataplane/app/dataplane_rcu.h"
#include "dataplane/app/generation.h"
#include "dataplane/app/worker_counters.h"

struct rte_mempool;
struct rte_ring;

namespace spamwall {

constexpr uint16_t kMaxBurst = 64;
constexpr unsigned kMaxSamplers = 8;

// Where a worker puts the mail frames it samples (sampler_rings.h): a copy
// in the samplers' pool, on this worker's single-producer ring to the
// sampler the flow hashes to. A full ring is counted, never waited on.
// Blocked connection attempts (the SYNs a rule dropped) go the same way, as
// 36-byte records (sampler::BlockedAttempt) on a second ring per sampler,
// chosen by the subscriber's address so one sampler counts each subscriber.
struct SampleTap {
  rte_mempool* pool = nullptr;
  rte_ring* rings[kMaxSamplers] = {};
  rte_ring* attempts[kMaxSamplers] = {};
  unsigned samplers = 0;  // 0: no sampling
};

struct WorkerConfig {
  uint16_t port_a = 0;       // subscriber side
  uint16_t port_b = 1;       // core side
  uint16_t queue = 0;        // RX and TX queue of this worker on both ports
  int drop_port = -1;        // >= 0: dropped frames leave here unchanged (capture)
  uint16_t drop_queue = 0;    // this worker's TX queue on drop_port
  uint16_t burst = 32;
  // The live generation; the control path swaps it (generation_publisher.h),
  // workers only load it, once per poll, read its tables for `socket` and
  // count into its slot `index`.
  std::atomic<Generation*>* policy = nullptr;
  unsigned index = 0;           // worker number: counter slot
  unsigned socket = 0;          // NUMA socket of the worker's lcore
  DataplaneRcu* rcu = nullptr;  // null: no concurrent swaps (offline mode)
  unsigned reader_id = 0;       // this worker's RCU reader id (the lcore plan's)
  const std::atomic<bool>* stop = nullptr;
  SampleTap tap;
};

// One RX burst from each port of the pair; returns the frames received.
uint32_t PollOnce(const WorkerConfig& cfg, WorkerCounters* counters);

// PollOnce until *cfg.stop; the lcore entry point. An RCU reader for the
// loop's lifetime (DataplaneRcu::Reader), so a swap never waits for a worker
// that has stopped.
void RunWorker(const WorkerConfig& cfg, WorkerCounters* counters);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_WORKER_H_
