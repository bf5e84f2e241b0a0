#include "dataplane/app/worker_lcores.h"

#include <rte_launch.h>

namespace spamwall {

WorkerLcores::WorkerLcores(const LcorePlan& plan, const SamplerRings& rings,
                           const WorkerConfig& common) {
  for (const LcoreRole& role : plan.roles) {
    if (role.kind != LcoreRole::Kind::kWorker) continue;
    auto slot = std::make_unique<Slot>();
    slot->cfg = common;
    slot->cfg.port_a = role.port_a;
    slot->cfg.port_b = role.port_b;
    slot->cfg.queue = role.queue;
    slot->cfg.index = role.worker_index;
    slot->cfg.socket = static_cast<unsigned>(role.socket);
    slot->cfg.reader_id = role.reader_id;
    slot->cfg.drop_queue = static_cast<uint16_t>(role.worker_index);
    slot->cfg.stop = &stop_;
    slot->cfg.tap = rings.TapFor(role.worker_index);
    slot->lcore = role.lcore;
    slots_.push_back(std::move(slot));
  }
}

std::vector<const WorkerCounters*> WorkerLcores::counters() const {
  std::vector<const WorkerCounters*> out;
  for (const auto& s : slots_) out.push_back(&s->counters);
  return out;
}

int WorkerLcores::Main(void* arg) {
  auto* slot = static_cast<Slot*>(arg);
  RunWorker(slot->cfg, &slot->counters);
  slot->done.store(true, std::memory_order_release);
  return 0;
}

void WorkerLcores::Launch() {
  for (auto& s : slots_) rte_eal_remote_launch(Main, s.get(), s->lcore);
  launched_ = true;
}

void WorkerLcores::Stop() {
  if (!launched_) return;
  launched_ = false;
  stop_.store(true);
  for (auto& s : slots_) rte_eal_wait_lcore(s->lcore);
  // EAL waits on its own atomics, which ThreadSanitizer does not see (DPDK
  // is not instrumented): this acquire of each worker's last store orders
  // everything the workers did before what the caller tears down next.
  for (const auto& s : slots_) (void)s->done.load(std::memory_order_acquire);
}

}  // namespace spamwall
