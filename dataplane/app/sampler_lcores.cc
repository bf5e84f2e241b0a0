#include "dataplane/app/sampler_lcores.h"

#include <rte_launch.h>

#include <algorithm>

namespace spamwall {

SamplerLcores::SamplerLcores(const LcorePlan& plan, const SamplerRings& rings,
                             const SamplerConfig& common) {
  unsigned index = 0;
  for (const LcoreRole& role : plan.roles) {
    if (role.kind != LcoreRole::Kind::kSampler) continue;
    SamplerConfig cfg = common;
    cfg.rings = rings.RingsOf(index);
    cfg.attempt_rings = rings.AttemptRingsOf(index++);
    cfg.socket = static_cast<unsigned>(role.socket);
    cfg.reader_id = role.reader_id;
    auto slot = std::make_unique<Slot>();
    slot->sampler = std::make_unique<Sampler>(cfg);
    slot->rcu = cfg.rcu;
    slot->reader_id = role.reader_id;
    slot->lcore = role.lcore;
    slot->stop = &stop_;
    slots_.push_back(std::move(slot));
  }
}

int SamplerLcores::Main(void* arg) {
  auto* slot = static_cast<Slot*>(arg);
  RunSampler(slot->sampler.get(), slot->rcu, slot->reader_id, slot->stop);
  slot->done.store(true, std::memory_order_release);
  return 0;
}

void SamplerLcores::Launch() {
  for (auto& s : slots_) rte_eal_remote_launch(Main, s.get(), s->lcore);
  launched_ = true;
}

void SamplerLcores::Stop() {
  if (!launched_) return;
  launched_ = false;
  stop_.store(true);
  for (auto& s : slots_) rte_eal_wait_lcore(s->lcore);
  for (const auto& s : slots_) (void)s->done.load(std::memory_order_acquire);  // as WorkerLcores::Stop
}

std::optional<nlohmann::json> SamplerLcores::TopZombies(sampler::ZombieMetric metric, size_t n) const {
  std::vector<sampler::ZombieRow> all;
  for (const auto& s : slots_) {
    auto rows = s->sampler->TopZombies(metric, n, 2.0, !launched_);
    if (!rows) return std::nullopt;
    all.insert(all.end(), rows->begin(), rows->end());
  }
  const bool by_attempts = metric == sampler::ZombieMetric::kAttempts;
  std::sort(all.begin(), all.end(), [&](const sampler::ZombieRow& a, const sampler::ZombieRow& b) {
    return by_attempts ? a.attempts > b.attempts : a.destinations > b.destinations;
  });
  if (all.size() > n) all.resize(n);
  return ZombieRowsJson(all);
}

nlohmann::json SamplerLcores::CountersJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : slots_) out.push_back(s->sampler->CountersJson());
  return out;
}

}  // namespace spamwall
