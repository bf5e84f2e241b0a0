// The sampler lcores of a live run: one Sampler per sampler role of the
// lcore plan, launched after the workers' set-up and stopped after the
// workers (declare it before the WorkerLcores), so that each drains what
// the workers queued before it closes its flows.
#ifndef SPAMWALL_DATAPLANE_APP_SAMPLER_LCORES_H_
#define SPAMWALL_DATAPLANE_APP_SAMPLER_LCORES_H_

#include <atomic>
#include <memory>
#include <vector>

#include "dataplane/app/lcore_plan.h"
#include "dataplane/app/sampler.h"
#include "dataplane/app/sampler_rings.h"

namespace spamwall {

class SamplerLcores {
 public:
  // A Sampler per kSampler role: `common` with the role's rings, socket and
  // RCU reader id filled in.
  SamplerLcores(const LcorePlan& plan, const SamplerRings& rings, const SamplerConfig& common);
  ~SamplerLcores() { Stop(); }
  SamplerLcores(const SamplerLcores&) = delete;
  SamplerLcores& operator=(const SamplerLcores&) = delete;

  size_t size() const { return slots_.size(); }
  void Launch();
  void Stop();  // sets the stop flag, waits: each sampler drains and finishes; idempotent
  // Every sampler's counters, in sampler order.
  nlohmann::json CountersJson() const;
  // The n highest subscribers by `metric` over every sampler (each counts
  // its own share of the subscribers); nullopt when a sampler did not answer.
  std::optional<nlohmann::json> TopZombies(sampler::ZombieMetric metric, size_t n) const;

 private:
  struct Slot {
    std::unique_ptr<Sampler> sampler;
    DataplaneRcu* rcu = nullptr;
    unsigned reader_id = 0, lcore = 0;
    const std::atomic<bool>* stop = nullptr;
    std::atomic<bool> done{false};
  };
  static int Main(void* slot);

  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<Slot>> slots_;
  bool launched_ = false;
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_SAMPLER_LCORES_H_
