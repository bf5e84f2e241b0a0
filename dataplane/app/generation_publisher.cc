#include "dataplane/app/generation_publisher.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "dataplane/app/numa_replica.h"

namespace spamwall {

namespace {

double NowUnix() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double MicrosSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

// Workers may be counting into p (the live policy): every field is loaded
// relaxed (Snapshot).
GenerationCounters Sum(const Generation& p) {
  GenerationCounters s;
  for (const auto& w : p.workers) s.Add(Snapshot(w));
  return s;
}

}  // namespace

GenerationPublisher::~GenerationPublisher() { delete live_.load(); }

// A generation ready to publish: the policy, and its replicas where asked.
std::unique_ptr<Generation> GenerationPublisher::MakeLive(std::unique_ptr<CompiledPolicy> policy,
                                                          uint64_t generation,
                                                          LiveIdentity id) const {
  auto live = std::make_unique<Generation>();
  policy->generation = generation;
  live->policy = std::move(policy);
  for (const CompiledPolicy*& p : live->by_socket) p = live->policy.get();
  for (int socket : setup_.replica_sockets) {
    live->replicas.push_back(ReplicateOnSocket(*live->policy, socket));
    live->by_socket[socket] = live->replicas.back().get();
  }
  live->id = std::move(id);
  live->loaded_at = NowUnix();
  return live;
}

bool GenerationPublisher::Init(std::unique_ptr<CompiledPolicy> boot, uint64_t generation,
                               LiveIdentity id, Setup setup, std::string* error) {
  for (int socket : setup.replica_sockets)
    if (socket < 0 || static_cast<unsigned>(socket) >= kMaxSockets) {
      *error = "NUMA socket " + std::to_string(socket) + " is beyond this build's " +
               std::to_string(kMaxSockets);
      return false;
    }
  std::sort(setup.replica_sockets.begin(), setup.replica_sockets.end());
  setup.replica_sockets.erase(std::unique(setup.replica_sockets.begin(), setup.replica_sockets.end()),
                              setup.replica_sockets.end());
  setup_ = std::move(setup);
  live_.store(MakeLive(std::move(boot), generation, std::move(id)).release(),
              std::memory_order_release);
  return true;
}

GenerationPublisher::Published GenerationPublisher::Publish(std::unique_ptr<CompiledPolicy> next,
                                                    uint64_t generation, LiveIdentity id) {
  std::unique_ptr<Generation> fresh = MakeLive(std::move(next), generation, std::move(id));
  std::lock_guard<std::mutex> lock(mu_);
  Published out;
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Generation> old(live_.exchange(fresh.release(), std::memory_order_acq_rel));
  out.publish_us = MicrosSince(t0);
  t0 = std::chrono::steady_clock::now();
  // Every reader that might still hold `old` passes a quiescent state (its
  // next poll) before this returns; the control thread is not a reader.
  if (setup_.rcu) setup_.rcu->Synchronize();
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

GenerationPublisher::Folded GenerationPublisher::FoldedGenerations() {
  std::lock_guard<std::mutex> lock(mu_);
  return folded_;
}

GenerationPublisher::Totals GenerationPublisher::LifetimeTotals(unsigned workers) {
  std::lock_guard<std::mutex> lock(mu_);
  Totals t;
  t.all = folded_.counters;
  for (const GenerationTotals& g : retired_) t.all.Add(g.counters);
  t.workers.resize(std::min(workers, kMaxWorkers));
  const Generation* live = live_.load(std::memory_order_acquire);
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

std::vector<GenerationPublisher::GenerationTotals> GenerationPublisher::Generations() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<GenerationTotals> out = retired_;
  const Generation* live = live_.load(std::memory_order_acquire);
  out.push_back({live->policy->generation, true, Sum(*live)});
  return out;
}

}  // namespace spamwall
