#include "dataplane/app/sampler_rings.h"

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <unistd.h>

#include "dataplane/sampler/zombie_table.h"

namespace spamwall {

SamplerRings::~SamplerRings() {
  for (rte_ring* r : rings_) {
    void* m;
    while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(r);
  }
  for (rte_ring* r : attempts_) rte_ring_free(r);
  rte_mempool_free(pool_);
}

bool SamplerRings::Create(unsigned workers, unsigned samplers, int socket, unsigned ring_size,
                          unsigned pool_mbufs, std::string* error) {
  if (samplers > kMaxSamplers) {
    *error = std::to_string(samplers) + " samplers; this build takes at most " +
             std::to_string(kMaxSamplers);
    return false;
  }
  workers_ = workers;
  samplers_ = samplers;
  if (samplers == 0) return true;
  // Names are global in the EAL: the pid keeps two runs' apart.
  const std::string tag = std::to_string(getpid());
  pool_ = rte_pktmbuf_pool_create(("sw_smp_" + tag).c_str(), pool_mbufs, 256, 0,
                                  RTE_MBUF_DEFAULT_BUF_SIZE, socket);
  if (pool_ == nullptr) {
    *error = "the samplers' packet pool of " + std::to_string(pool_mbufs) +
             " mbufs: " + rte_strerror(rte_errno);
    return false;
  }
  for (unsigned w = 0; w < workers; w++)
    for (unsigned s = 0; s < samplers; s++) {
      const std::string name = "sw_smp_" + tag + "_" + std::to_string(w) + "_" + std::to_string(s);
      rte_ring* r = rte_ring_create(name.c_str(), ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (r == nullptr) {
        *error = "sampler ring " + name + ": " + rte_strerror(rte_errno);
        return false;
      }
      rings_.push_back(r);
      rte_ring* a = rte_ring_create_elem((name + "a").c_str(), sizeof(sampler::BlockedAttempt),
                                         ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (a == nullptr) {
        *error = "sampler ring " + name + "a: " + rte_strerror(rte_errno);
        return false;
      }
      attempts_.push_back(a);
    }
  return true;
}

SampleTap SamplerRings::TapFor(unsigned worker) const {
  SampleTap tap;
  if (samplers_ == 0) return tap;
  tap.pool = pool_;
  tap.samplers = samplers_;
  for (unsigned s = 0; s < samplers_; s++) {
    tap.rings[s] = rings_[worker * samplers_ + s];
    tap.attempts[s] = attempts_[worker * samplers_ + s];
  }
  return tap;
}

std::vector<rte_ring*> SamplerRings::AttemptRingsOf(unsigned sampler) const {
  std::vector<rte_ring*> out;
  for (unsigned w = 0; w < workers_; w++) out.push_back(attempts_[w * samplers_ + sampler]);
  return out;
}

std::vector<rte_ring*> SamplerRings::RingsOf(unsigned sampler) const {
  std::vector<rte_ring*> out;
  for (unsigned w = 0; w < workers_; w++) out.push_back(rings_[w * samplers_ + sampler]);
  return out;
}

}  // namespace spamwall
