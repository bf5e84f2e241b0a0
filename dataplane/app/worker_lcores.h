// The worker lcores of a live run: one per worker role of the lcore plan,
// each with its configuration and counters, launched together and stopped
// together. Stopping is the destructor's job too, so no error path of the
// runtime leaves a worker polling ports that are being closed.
#ifndef SPAMWALL_DATAPLANE_APP_WORKER_LCORES_H_
#define SPAMWALL_DATAPLANE_APP_WORKER_LCORES_H_

#include <atomic>
#include <memory>
#include <vector>

#include "dataplane/app/lcore_plan.h"
#include "dataplane/app/sampler_rings.h"
#include "dataplane/app/worker.h"

namespace spamwall {

class WorkerLcores {
 public:
  // A worker per kWorker role of `plan`: `common` with the role's ports,
  // queue, socket, counter slot, RCU reader id and sampling tap filled in.
  WorkerLcores(const LcorePlan& plan, const SamplerRings& rings, const WorkerConfig& common);
  ~WorkerLcores() { Stop(); }
  WorkerLcores(const WorkerLcores&) = delete;
  WorkerLcores& operator=(const WorkerLcores&) = delete;

  size_t size() const { return slots_.size(); }
  // Every worker's counters, in worker order (slot i counts worker i).
  std::vector<const WorkerCounters*> counters() const;

  // rte_eal_remote_launch on each role's lcore.
  void Launch();
  // Sets the stop flag and waits for every launched worker; idempotent.
  void Stop();

 private:
  struct Slot {
    WorkerConfig cfg;
    unsigned lcore = 0;
    WorkerCounters counters;
    std::atomic<bool> done{false};  // the worker's last store (see Stop)
  };
  static int Main(void* slot);

  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<Slot>> slots_;
  bool launched_ = false;
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_WORKER_LCORES_H_
