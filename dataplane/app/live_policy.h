// The policy the workers run, and how it is replaced without stopping them:
// one immutable LivePolicy behind one atomic pointer. The control path
// builds the next one aside, publishes it with one store, waits for a QSBR
// grace period (DPDK rte_rcu_qsbr: every worker reports a quiescent state
// after each poll) and only then frees the old one. A worker never waits and
// never takes a lock; it loads the pointer once per poll.
//
// Each LivePolicy also carries per-worker counters of the packets judged
// under it: after the grace period nobody writes them any more, so the
// per-generation totals are exact. They are the only verdict counters: the
// lifetime totals are the folded, the retired and the live generations
// together (LifetimeTotals).
#ifndef SPAMWALL_DATAPLANE_APP_LIVE_POLICY_H_
#define SPAMWALL_DATAPLANE_APP_LIVE_POLICY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dataplane/app/worker_counters.h"
#include "dataplane/core/compiled_policy.h"

struct rte_rcu_qsbr;

namespace spamwall {

constexpr unsigned kMaxWorkers = 64;
// Retired generations kept one by one; older ones are folded into one total
// (a dataplane that runs for months through thousands of pushes a day).
constexpr size_t kGenerationHistory = 256;

// What a generation says about where it came from (policy show, hello).
struct LiveIdentity {
  LiveIdentity() = default;
  LiveIdentity(std::string o) : origin(std::move(o)) {}  // NOLINT: a bare origin
  LiveIdentity(const char* o) : origin(o) {}            // NOLINT
  std::string origin;      // who or what loaded it
  std::string digest;      // of the image it came from (PolicyImageDigest); "" for YAML
  std::string request_id;  // of the load that made it live
  std::string safe_state;  // why the dataplane runs the safe state; "" when it does not
};

struct LivePolicy {
  std::unique_ptr<CompiledPolicy> policy;  // policy->generation is its generation
  LiveIdentity id;  // where it came from, for `policy show` and hello
  double loaded_at = 0;   // unix seconds
  GenerationCounters workers[kMaxWorkers];  // slot i: written by worker i only
};

class PolicyPublisher {
 public:
  PolicyPublisher() = default;
  PolicyPublisher(const PolicyPublisher&) = delete;
  PolicyPublisher& operator=(const PolicyPublisher&) = delete;
  ~PolicyPublisher();

  // `workers` readers will register with the QSBR variable (ids 0..workers-1).
  // With workers == 0 there is no QSBR (offline mode: the single poll loop
  // is also the only writer of the pointer).
  bool Init(std::unique_ptr<CompiledPolicy> boot, uint64_t generation, LiveIdentity id,
            unsigned workers, std::string* error);

  std::atomic<LivePolicy*>* live() { return &live_; }
  rte_rcu_qsbr* qsbr() const { return qsbr_; }

  struct Published {
    uint64_t previous_generation = 0;
    double publish_us = 0;  // the pointer store
    double grace_us = 0;    // waiting for every worker to pass a quiescent state
  };
  // Publishes `next` as `generation`, then frees the old policy after the
  // grace period (rte_rcu_qsbr_start + rte_rcu_qsbr_check, what
  // rte_rcu_qsbr_synchronize does, inline here so that ThreadSanitizer sees
  // the workers' quiescent stores synchronise with the free). Control path
  // only; serialised with the readers below.
  Published Publish(std::unique_ptr<CompiledPolicy> next, uint64_t generation, LiveIdentity id);

  // Runs f(const LivePolicy&) on the current policy; it cannot be freed meanwhile.
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
  std::atomic<LivePolicy*> live_{nullptr};
  rte_rcu_qsbr* qsbr_ = nullptr;
  std::vector<GenerationTotals> retired_;
  Folded folded_;
  GenerationCounters retired_by_worker_[kMaxWorkers];  // every retired generation, folded ones too
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_LIVE_POLICY_H_
