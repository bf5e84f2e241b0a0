// The generation the lcores read (generation.h), and how it is replaced without stopping them:
// one immutable Generation behind one atomic pointer. The control path
// builds the next one aside, publishes it with one store, waits for a QSBR
// grace period of the runtime's RCU (dataplane_rcu.h: every reader reports a quiescent state
// after each poll) and only then frees the old one. A worker never waits and
// never takes a lock; it loads the pointer once per poll.
//
// Each Generation also carries per-worker counters of the packets judged
// under it: after the grace period nobody writes them any more, so the
// per-generation totals are exact. They are the only verdict counters: the
// lifetime totals are the folded, the retired and the live generations
// together (LifetimeTotals).
#ifndef SPAMWALL_DATAPLANE_APP_GENERATION_PUBLISHER_H_
#define SPAMWALL_DATAPLANE_APP_GENERATION_PUBLISHER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dataplane/app/dataplane_rcu.h"
#include "dataplane/app/generation.h"

namespace spamwall {

// Retired generations kept one by one; older ones are folded into one total
// (a dataplane that runs for months through thousands of pushes a day).
constexpr size_t kGenerationHistory = 256;

class GenerationPublisher {
 public:
  GenerationPublisher() = default;
  GenerationPublisher(const GenerationPublisher&) = delete;
  GenerationPublisher& operator=(const GenerationPublisher&) = delete;
  ~GenerationPublisher();

  struct Setup {
    // The runtime's RCU (owned by the runtime, outlives the publisher);
    // nullptr: no concurrent readers (offline mode, where the one poll loop
    // is also the only writer of the pointer).
    DataplaneRcu* rcu = nullptr;
    // Sockets whose readers get their own copy of the tables (on a machine
    // of more than one NUMA node: every socket with workers); empty: every
    // reader reads the one compiled copy.
    std::vector<int> replica_sockets;
  };
  bool Init(std::unique_ptr<CompiledPolicy> boot, uint64_t generation, LiveIdentity id,
            Setup setup, std::string* error);

  std::atomic<Generation*>* live() { return &live_; }

  struct Published {
    uint64_t previous_generation = 0;
    double publish_us = 0;  // the pointer store
    double grace_us = 0;    // waiting for every worker to pass a quiescent state
  };
  // Publishes `next` as `generation` (its replicas made first), then frees
  // the old generation after the RCU's grace period. Control path only;
  // serialised with the readers below.
  Published Publish(std::unique_ptr<CompiledPolicy> next, uint64_t generation, LiveIdentity id);

  // Runs f(const Generation&) on the current policy; it cannot be freed meanwhile.
  template <typename F>
  auto WithCurrent(F f) {
    std::lock_guard<std::mutex> lock(mu_);
    return f(*live_.load(std::memory_order_acquire));
  }

  struct GenerationTotals {
    uint64_t generation;
    bool live;
    GenerationCounters counters;
  };
  // Every generation that has judged packets, in the order they went live,
  // the last kGenerationHistory retired ones and the live one; retired ones
  // are exact, the live one is running.
  std::vector<GenerationTotals> Generations();

  // What the generations folded out of that list judged, and how many they were.
  struct Folded {
    uint64_t generations = 0;
    GenerationCounters counters;
  };
  Folded FoldedGenerations();

  // Lifetime verdict totals, the one source of every total reported:
  // `all` = the folded generations + the retired ones + the live one (read
  // now, field by field), and the same per worker for slots 0..workers-1.
  struct Totals {
    GenerationCounters all;
    std::vector<GenerationCounters> workers;
  };
  Totals LifetimeTotals(unsigned workers);

 private:
  std::mutex mu_;  // control path only
  std::unique_ptr<Generation> MakeLive(std::unique_ptr<CompiledPolicy> policy,
                                       uint64_t generation, LiveIdentity id) const;

  std::atomic<Generation*> live_{nullptr};
  Setup setup_;
  std::vector<GenerationTotals> retired_;
  Folded folded_;
  GenerationCounters retired_by_worker_[kMaxWorkers];  // every retired generation, folded ones too
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_GENERATION_PUBLISHER_H_
