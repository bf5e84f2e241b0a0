#include "dataplane/app/live_policy.h"

#include <rte_rcu_qsbr.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace spamwall {

namespace {

double NowUnix() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double MicrosSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

// A policy ready to publish as `generation`.
std::unique_ptr<LivePolicy> MakeLive(std::unique_ptr<CompiledPolicy> policy, uint64_t generation,
                                     LiveIdentity id) {
  auto live = std::make_unique<LivePolicy>();
  policy->generation = generation;
  live->policy = std::move(policy);
  live->id = std::move(id);
  live->loaded_at = NowUnix();
  return live;
}

// Workers may be counting into p (the live policy): every field is loaded
// relaxed (Snapshot).
GenerationCounters Sum(const LivePolicy& p) {
  GenerationCounters s;
  for (const auto& w : p.workers) s.Add(Snapshot(w));
  return s;
}

}  // namespace

PolicyPublisher::~PolicyPublisher() {
  delete live_.load();
  std::free(qsbr_);
}

bool PolicyPublisher::Init(std::unique_ptr<CompiledPolicy> boot, uint64_t generation,
                           LiveIdentity id, unsigned workers, std::string* error) {
  if (workers > kMaxWorkers) {
    *error = std::to_string(workers) + " workers; this build has counters for " +
             std::to_string(kMaxWorkers);
    return false;
  }
  if (workers > 0) {
    // Plain cache-aligned memory, not the EAL heap: the QSBR variable needs
    // no more, and the unit tests run it without an EAL.
    size_t bytes = RTE_ALIGN_CEIL(rte_rcu_qsbr_get_memsize(workers), RTE_CACHE_LINE_SIZE);
    qsbr_ = static_cast<rte_rcu_qsbr*>(std::aligned_alloc(RTE_CACHE_LINE_SIZE, bytes));
    if (qsbr_) std::memset(qsbr_, 0, bytes);
    if (qsbr_ == nullptr || rte_rcu_qsbr_init(qsbr_, workers) != 0) {
      *error = "cannot set up the policy QSBR variable for " + std::to_string(workers) + " workers";
      return false;
    }
  }
  live_.store(MakeLive(std::move(boot), generation, std::move(id)).release(),
              std::memory_order_release);
  return true;
}

PolicyPublisher::Published PolicyPublisher::Publish(std::unique_ptr<CompiledPolicy> next,
                                                    uint64_t generation, LiveIdentity id) {
  std::unique_ptr<LivePolicy> fresh = MakeLive(std::move(next), generation, std::move(id));
  std::lock_guard<std::mutex> lock(mu_);
  Published out;
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<LivePolicy> old(live_.exchange(fresh.release(), std::memory_order_acq_rel));
  out.publish_us = MicrosSince(t0);
  t0 = std::chrono::steady_clock::now();
  // Every worker that might still hold `old` passes a quiescent state (its
  // next poll) before this returns; the control thread is not a reader.
  // rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID) is these two
  // calls; made here, from instrumented code, the acquire loads of the
  // workers' counters are visible to ThreadSanitizer (librte_rcu is not
  // instrumented), so it sees every worker's last use of `old` happen before
  // the free below.
  if (qsbr_) rte_rcu_qsbr_check(qsbr_, rte_rcu_qsbr_start(qsbr_), true);
  out.grace_us = MicrosSince(t0);
  out.previous_generation = old->policy->generation;
  retired_.push_back({old->policy->generation, false, Sum(*old)});  // exact: nobody writes it now
  for (unsigned w = 0; w < kMaxWorkers; w++) retired_by_worker_[w].Add(Snapshot(old->workers[w]));
  if (retired_.size() > kGenerationHistory) {
    folded_.generations++;
    folded_.counters.Add(retired_.front().counters);
    retired_.erase(retired_.begin());
  }
  return out;
}

PolicyPublisher::Folded PolicyPublisher::FoldedGenerations() {
  std::lock_guard<std::mutex> lock(mu_);
  return folded_;
}

PolicyPublisher::Totals PolicyPublisher::LifetimeTotals(unsigned workers) {
  std::lock_guard<std::mutex> lock(mu_);
  Totals t;
  t.all = folded_.counters;
  for (const GenerationTotals& g : retired_) t.all.Add(g.counters);
  t.workers.resize(std::min(workers, kMaxWorkers));
  const LivePolicy* live = live_.load(std::memory_order_acquire);
  for (unsigned w = 0; w < kMaxWorkers; w++) {
    const GenerationCounters now = Snapshot(live->workers[w]);  // one read of each field
    t.all.Add(now);
    if (w < t.workers.size()) {
      t.workers[w] = retired_by_worker_[w];
      t.workers[w].Add(now);
    }
  }
  return t;
}

std::vector<PolicyPublisher::GenerationTotals> PolicyPublisher::Generations() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<GenerationTotals> out = retired_;
  const LivePolicy* live = live_.load(std::memory_order_acquire);
  out.push_back({live->policy->generation, true, Sum(*live)});
  return out;
}

}  // namespace spamwall
