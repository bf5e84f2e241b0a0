// The path from the workers to the samplers: one single-producer,
// single-consumer rte_ring per (worker, sampler) pair, so no two lcores ever
// contend on one, and the samplers' own packet pool that the workers copy
// sampled frames into (a burst of mail never takes the mbufs the NIC needs).
// Owns both: destroyed after the workers and samplers stop, it frees what
// is still queued, then the rings, then the pool.
#ifndef SPAMWALL_DATAPLANE_APP_SAMPLER_RINGS_H_
#define SPAMWALL_DATAPLANE_APP_SAMPLER_RINGS_H_

#include <string>
#include <vector>

#include "dataplane/app/worker.h"

struct rte_mempool;
struct rte_ring;

namespace spamwall {

class SamplerRings {
 public:
  SamplerRings() = default;
  SamplerRings(const SamplerRings&) = delete;
  SamplerRings& operator=(const SamplerRings&) = delete;
  ~SamplerRings();

  // ring_size: entries per ring (a power of two); pool_mbufs: the pool.
  bool Create(unsigned workers, unsigned samplers, int socket, unsigned ring_size,
              unsigned pool_mbufs, std::string* error);

  unsigned samplers() const { return samplers_; }
  SampleTap TapFor(unsigned worker) const;
  // Sampler s's rings, one per worker, in worker order.
  std::vector<rte_ring*> RingsOf(unsigned sampler) const;
  // Its rings of blocked attempts (sampler::BlockedAttempt records).
  std::vector<rte_ring*> AttemptRingsOf(unsigned sampler) const;

 private:
  unsigned workers_ = 0, samplers_ = 0;
  std::vector<rte_ring*> rings_;     // [worker * samplers_ + sampler]
  std::vector<rte_ring*> attempts_;  // the same order
  rte_mempool* pool_ = nullptr;
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_SAMPLER_RINGS_H_
