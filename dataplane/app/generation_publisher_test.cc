#include "dataplane/app/generation_publisher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace spamwall {
namespace {

std::unique_ptr<CompiledPolicy> EmptyPolicy() {
  return std::make_unique<CompiledPolicy>(std::vector<PoptriePrefix>{}, std::vector<PoptriePrefix>{},
                                          size_t{1} << 10);
}

// Publishing without workers (no QSBR): what the counters of each
// generation become, and the history folding past kGenerationHistory.
TEST(PolicyPublisherTest, KeepsEachGenerationsCountsAndFoldsTheOldest) {
  GenerationPublisher pub;
  std::string error;
  ASSERT_TRUE(pub.Init(EmptyPolicy(), 0, "boot", {}, &error)) << error;
  const uint64_t pushes = kGenerationHistory + 44;
  uint64_t total = 0;
  for (uint64_t g = 1; g <= pushes; g++) {
    Generation* live = pub.live()->load();
    live->workers[0].packets += g;  // what workers count under generation g - 1

    live->workers[1].packets += 1;
    live->workers[0].dropped[SW_REASON_QUARANTINE] += 1;
    total += g + 1;
    GenerationPublisher::Published p = pub.Publish(EmptyPolicy(), g, "test");
    EXPECT_EQ(p.previous_generation, g - 1);
    EXPECT_EQ(pub.live()->load()->policy->generation, g);
  }
  auto gens = pub.Generations();
  ASSERT_EQ(gens.size(), kGenerationHistory + 1);
  EXPECT_TRUE(gens.back().live);
  EXPECT_EQ(gens.back().generation, pushes);
  EXPECT_EQ(gens.front().generation, pushes - kGenerationHistory);
  EXPECT_EQ(gens.front().counters.packets, gens.front().generation + 2);
  GenerationPublisher::Folded folded = pub.FoldedGenerations();
  EXPECT_EQ(folded.generations, pushes - kGenerationHistory);
  uint64_t sum = folded.counters.packets, drops = folded.counters.dropped[SW_REASON_QUARANTINE];
  for (const auto& g : gens) sum += g.counters.packets, drops += g.counters.dropped[SW_REASON_QUARANTINE];
  EXPECT_EQ(sum, total) << "folding loses no packet";
  EXPECT_EQ(drops, pushes);
  EXPECT_EQ(pub.WithCurrent([](const Generation& l) { return l.id.origin; }), "test");
}

bool Equal(const GenerationCounters& a, const GenerationCounters& b) {
  bool same = true;
  ForEachCounter(a, const_cast<GenerationCounters&>(b),
                 [&](const uint64_t& x, uint64_t& y) { same = same && x == y; });
  return same;
}

// Lifetime totals = folded + retired + live, in all and per worker, across
// enough publishes to fold some generations away.
TEST(PolicyPublisherTest, TotalsAreFoldedPlusRetiredPlusLive) {
  GenerationPublisher pub;
  std::string error;
  ASSERT_TRUE(pub.Init(EmptyPolicy(), 0, "boot", {}, &error)) << error;
  constexpr unsigned kWorkers = 3;
  GenerationCounters want[kWorkers];
  auto count = [&](uint64_t g) {  // what each worker judges under generation g
    Generation* live = pub.live()->load();
    for (unsigned w = 0; w < kWorkers; w++) {
      GenerationCounters c;
      c.packets = 10 + g + w;
      c.dropped[SW_REASON_CONSUMER_SMTP] = g % 3;
      c.dropped[SW_REASON_QUARANTINE] = w;
      c.would_drop[SW_REASON_MX_FENCE] = g % 2;
      c.would_drop[SW_REASON_NONE] = 1;
      c.passed = c.packets - c.dropped[SW_REASON_CONSUMER_SMTP] - c.dropped[SW_REASON_QUARANTINE];
      live->workers[w].Add(c);
      want[w].Add(c);
    }
  };
  const uint64_t pushes = kGenerationHistory + 5;
  for (uint64_t g = 1; g <= pushes; g++) {
    count(g - 1);
    pub.Publish(EmptyPolicy(), g, "test");
    if (g == 3 || g == pushes) {
      GenerationPublisher::Totals t = pub.LifetimeTotals(kWorkers);
      GenerationCounters sum;
      for (const auto& w : t.workers) sum.Add(w);
      EXPECT_TRUE(Equal(sum, t.all)) << "after " << g << " publishes";
    }
  }
  count(pushes);  // the live generation

  GenerationPublisher::Totals t = pub.LifetimeTotals(kWorkers);
  GenerationPublisher::Folded folded = pub.FoldedGenerations();
  EXPECT_EQ(folded.generations, 5u);
  GenerationCounters parts = folded.counters;
  for (const auto& g : pub.Generations()) parts.Add(g.counters);
  EXPECT_TRUE(Equal(t.all, parts)) << "all = folded + retired + live";
  GenerationCounters all_want;
  ASSERT_EQ(t.workers.size(), kWorkers);
  for (unsigned w = 0; w < kWorkers; w++) {
    EXPECT_TRUE(Equal(t.workers[w], want[w])) << "worker " << w;
    all_want.Add(want[w]);
  }
  EXPECT_TRUE(Equal(t.all, all_want));
  EXPECT_EQ(t.all.packets, t.all.passed + t.all.dropped[SW_REASON_CONSUMER_SMTP] +
                               t.all.dropped[SW_REASON_QUARANTINE]);
  EXPECT_TRUE(pub.LifetimeTotals(0).workers.empty());
  EXPECT_EQ(pub.LifetimeTotals(0).all.packets, t.all.packets);
}

TEST(WorkerCountersTest, SnapshotAndAddWalkEveryField) {
  WorkerCounters c;
  uint64_t v = 1;
  ForEachCounter(WorkerCounters{}, c, [&](const uint64_t&, uint64_t& to) { to = v++; });
  WorkerCounters s = Snapshot(c);
  EXPECT_EQ(s.malformed[0], 1u);
  EXPECT_EQ(s.port[kMaxPorts - 1].tx_failed, v - 1);
  bool same = true;
  ForEachCounter(c, s, [&](const uint64_t& a, uint64_t& b) { same = same && a == b; });
  EXPECT_TRUE(same);
  s.Add(c);
  EXPECT_EQ(s.stage[kStageTx].cycles, 2 * c.stage[kStageTx].cycles);
  AddRelaxed(s.bursts, 5);
  EXPECT_EQ(LoadRelaxed(s.bursts), 2 * c.bursts + 5);
}

// A worker thread as RunWorker runs (an RCU reader, one pointer load per
// poll, counting into its slot with relaxed stores) while this thread
// publishes and reads the totals: every packet counted exactly once, totals
// never going back. Under ThreadSanitizer (scripts/test --tsan) this is the
// check that the counters and the grace period have no data race.
TEST(PolicyPublisherTest, WorkerCountsWhileGenerationsArePublishedAndRead) {
  DataplaneRcu rcu;
  std::string error;
  ASSERT_TRUE(rcu.Init(1, &error)) << error;
  GenerationPublisher pub;
  ASSERT_TRUE(pub.Init(EmptyPolicy(), 0, "boot", {&rcu, {}}, &error)) << error;
  std::atomic<bool> stop(false);
  std::atomic<uint64_t> polls_done(0);
  uint64_t counted = 0;  // the worker's own tally, read after join
  std::thread worker([&] {
    DataplaneRcu::Reader reader(&rcu, 0);
    while (!stop.load(std::memory_order_relaxed)) {
      Generation* live = pub.live()->load(std::memory_order_acquire);
      GenerationCounters* g = &live->workers[0];
      const uint64_t n = 1 + counted % 7;
      AddRelaxed(g->packets, n);
      AddRelaxed(g->passed, n - 1);
      AddRelaxed(g->dropped[SW_REASON_CONSUMER_SMTP], 1);
      counted += n;
      rcu.Quiescent(0);
      polls_done.fetch_add(1, std::memory_order_relaxed);
    }
  });
  uint64_t last = 0;
  for (uint64_t g = 1; g <= 40; g++) {
    const uint64_t before = polls_done.load();
    while (polls_done.load() < before + 50) std::this_thread::yield();
    pub.Publish(EmptyPolicy(), g, "test");
    GenerationPublisher::Totals t = pub.LifetimeTotals(1);
    EXPECT_GE(t.all.packets, last);
    last = t.all.packets;
    EXPECT_EQ(t.workers[0].packets, t.all.packets);
  }
  stop.store(true);
  worker.join();
  GenerationPublisher::Totals t = pub.LifetimeTotals(1);
  EXPECT_EQ(t.all.packets, counted);
  EXPECT_EQ(t.all.passed + t.all.dropped[SW_REASON_CONSUMER_SMTP], counted);
  uint64_t by_generation = 0;
  for (const auto& g : pub.Generations()) by_generation += g.counters.packets;
  EXPECT_EQ(by_generation, counted);
}

// Where the machine has several NUMA sockets each reader socket gets its
// own copy of the tables: a replica answers every lookup as the original
// does, keeps the policy's settings, and is what PolicyFor gives that
// socket; the others read the original. (Socket 0 stands in for "another
// socket": the copy is made the same way, placed by set_mempolicy.)
TEST(PolicyPublisherTest, ReplicaSocketsReadTheirOwnCopyOfTheTables) {
  std::vector<PoptriePrefix> v4, v6;
  for (uint8_t i = 0; i < 200; i++) v4.push_back({{10, i, 0, 0}, 16, static_cast<uint8_t>(1 + i % 3)});
  v6.push_back({{0x20, 0x01, 0x0d, 0xb8}, 32, 2});
  SortAndMergePrefixes(&v4, 4);
  SortAndMergePrefixes(&v6, 16);
  auto policy = std::make_unique<CompiledPolicy>(v4, v6, size_t{1} << 16);
  policy->mode = PolicyMode::kMonitor;
  policy->smtp_ports.Add(25);
  policy->smtp_flow_rate = 64;
  GenerationPublisher pub;
  std::string error;
  ASSERT_TRUE(pub.Init(std::move(policy), 7, "boot", {nullptr, {0, 0}}, &error)) << error;
  const Generation* g = pub.live()->load();
  ASSERT_EQ(g->replicas.size(), 1u) << "one copy per socket, however often it is named";
  const CompiledPolicy& local = g->PolicyFor(0);
  EXPECT_NE(&local, g->policy.get());
  EXPECT_EQ(&g->PolicyFor(1), g->policy.get());
  EXPECT_NE(local.v4.storage().direct, g->policy->v4.storage().direct) << "a copy, not the same pages";
  EXPECT_EQ(local.generation, 7u);
  EXPECT_EQ(local.mode, PolicyMode::kMonitor);
  EXPECT_TRUE(local.smtp_ports.Has(25));
  EXPECT_EQ(local.smtp_flow_rate, 64u);
  for (unsigned a = 0; a < 256; a++) {
    uint8_t v4addr[4] = {10, static_cast<uint8_t>(a), 1, 2};
    EXPECT_EQ(local.v4.Lookup(v4addr), g->policy->v4.Lookup(v4addr)) << a;
  }
  uint8_t v6addr[16] = {0x20, 0x01, 0x0d, 0xb8, 1};
  EXPECT_EQ(local.v6.Lookup(v6addr), 2);
  // A publish replicates the next generation too.
  pub.Publish(EmptyPolicy(), 8, "next");
  g = pub.live()->load();
  ASSERT_EQ(g->replicas.size(), 1u);
  EXPECT_EQ(g->PolicyFor(0).generation, 8u);
  std::string refused;
  GenerationPublisher bad;
  EXPECT_FALSE(bad.Init(EmptyPolicy(), 0, "boot", {nullptr, {int{kMaxSockets}}}, &refused));
  EXPECT_NE(refused.find("socket"), std::string::npos) << refused;
}

}  // namespace
}  // namespace spamwall
