// Parse + classify on a realistic access-link mix (tests/traffic), per packet
// and per burst of 32, with an empty policy and with 1,000,000 prefixes (half
// IPv4, half IPv6). Both policies judge the same frames: the subscribers of
// the mix are drawn from the 1M-prefix set, so with that policy every
// mail-port lookup walks the deep levels of the tables.
//
// The figure that matters is the ratio of the two runs of one benchmark,
// measured in one run of this binary (see bench/README.md).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <random>

#include "bench/prefix_set.h"
#include "control/policy/policy_loader.h"
#include "dataplane/core/verdict.h"
#include "tests/traffic/traffic_mix.h"

namespace spamwall::bench {
namespace {

constexpr size_t kPrefixes = 1'000'000;
constexpr size_t kPackets = 1 << 16;
constexpr int kBurst = 32;

struct Setup {
  std::unique_ptr<CompiledPolicy> empty, million;
  std::vector<std::vector<uint8_t>> frames;
  std::vector<const uint8_t*> ptrs;
  std::vector<uint32_t> lens;
  std::vector<std::vector<uint8_t>> small;
  std::vector<const uint8_t*> small_ptrs;
  std::vector<uint32_t> small_lens;
};

const Setup& Get() {
  static std::unique_ptr<Setup> s;
  if (s) return *s;
  s = std::make_unique<Setup>();
  std::vector<Prefix> prefixes = MakePrefixes(kPrefixes / 2, kPrefixes / 2, 1);
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("spamwall-classify-bench-" + std::to_string(getpid())))
                        .string();
  std::string path = WritePolicyWithPools(dir, prefixes);
  Diagnostics diag;
  s->million = LoadAndCompile(path, CompileOptions{}, &diag);
  auto empty = LoadPolicyText("version: 1\nmail: {mx_servers: [198.51.100.25], authorized_relays: [198.51.100.10]}\n",
                              "empty.yaml", "", &diag);
  if (!s->million || !empty) {
    std::fprintf(stderr, "%s", diag.ToString().c_str());
    std::abort();
  }
  s->empty = CompilePolicy(*empty, CompileOptions{}, &diag);
  std::filesystem::remove_all(dir);

  // Active subscribers: a few thousand of the million prefixes, by class as
  // WritePolicyWithPools assigned them (i % 10: 0-6 consumer, 7-8 business).
  traffic::TrafficMixOptions opts;
  opts.seed = 3;
  opts.packets = kPackets;
  opts.flows = 4096;
  opts.pools.consumer.clear();
  opts.pools.business.clear();
  opts.pools.quarantine.clear();
  opts.pools.exempt.clear();
  std::mt19937_64 rng(5);
  while (opts.pools.consumer.size() < 3000 || opts.pools.business.size() < 800) {
    size_t i = rng() % prefixes.size();
    if (i % 10 < 7 && opts.pools.consumer.size() < 3000) opts.pools.consumer.push_back(prefixes[i]);
    if (i % 10 >= 7 && i % 10 < 9 && opts.pools.business.size() < 800) opts.pools.business.push_back(prefixes[i]);
  }
  s->frames = traffic::GenerateTrafficMix(opts);
  for (const auto& f : s->frames) {
    s->ptrs.push_back(f.data());
    s->lens.push_back(static_cast<uint32_t>(f.size()));
  }
  // The suite's 64-byte mix (spamwall-bench): 4,096 frames, all in L2, in an
  // order no branch predictor learns within a window.
  opts.packets = 4096;
  opts.max_frame = 60;
  s->small = traffic::GenerateTrafficMix(opts);
  for (const auto& f : s->small) {
    s->small_ptrs.push_back(f.data());
    s->small_lens.push_back(static_cast<uint32_t>(f.size()));
  }
  return *s;
}

const CompiledPolicy& PolicyArg(const Setup& s, int64_t arg) {
  return arg == 0 ? *s.empty : *s.million;
}


void BM_ClassifyPerPacket(benchmark::State& state) {
  const Setup& s = Get();
  const CompiledPolicy& policy = PolicyArg(s, state.range(0));
  size_t i = 0;
  uint64_t dropped = 0;
  for (auto _ : state) {
    sw_parsed p;
    Verdict v = ClassifyFrame(policy, s.ptrs[i], s.lens[i], s.lens[i], &p);
    dropped += v.drop;
    i = (i + 1) % s.ptrs.size();
  }
  benchmark::DoNotOptimize(dropped);
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 0 ? "empty policy" : "1M prefixes");
}

// Arg 1: the frames cycled through. All 64K frames (32 MB) behave like a
// NIC's DMA stream that misses the cache; 1024 frames stay in the cache, so
// parsing is cheap and the table lookups weigh the most (the strictest form
// of the ratio).
void BM_ClassifyBurst32(benchmark::State& state) {
  const Setup& s = Get();
  const CompiledPolicy& policy = PolicyArg(s, state.range(0));
  const size_t window = static_cast<size_t>(state.range(1));
  size_t i = 0;
  sw_parsed parsed[kBurst];
  Verdict verdicts[kBurst];
  for (auto _ : state) {
    ClassifyBurst(policy, &s.ptrs[i], &s.lens[i], &s.lens[i], kBurst, parsed, verdicts);
    benchmark::DoNotOptimize(verdicts);
    i = (i + kBurst) % window;
  }
  state.SetItemsProcessed(state.iterations() * kBurst);
  state.SetLabel(std::string(state.range(0) == 0 ? "empty policy" : "1M prefixes") +
                 (window < kPackets ? ", hot frames" : ""));
}

// The two halves of ClassifyBurst apart, as the worker times them (its
// parse and classify stages): the parser over hot frames, then the lookups
// and rules over frames parsed once.
// Arg: the frames cycled through (0: the 4,096 frames of the 64-byte mix).
void BM_ParseBurst32(benchmark::State& state) {
  const Setup& s = Get();
  const bool small = state.range(0) == 0;
  const size_t window = small ? s.small.size() : static_cast<size_t>(state.range(0));
  const uint8_t* const* ptrs = small ? s.small_ptrs.data() : s.ptrs.data();
  const uint32_t* lens = small ? s.small_lens.data() : s.lens.data();
  size_t i = 0;
  sw_parsed parsed[kBurst];
  for (auto _ : state) {
    ParseBurst(ptrs + i, lens + i, lens + i, kBurst, parsed);
    benchmark::DoNotOptimize(parsed);
    i = (i + kBurst) % window;
  }
  state.SetItemsProcessed(state.iterations() * kBurst);
}

void BM_JudgeBurst32(benchmark::State& state) {
  const Setup& s = Get();
  const CompiledPolicy& policy = PolicyArg(s, state.range(0));
  const size_t window = s.small.size();
  std::vector<sw_parsed> parsed(window);
  for (size_t at = 0; at < window; at += kBurst)
    ParseBurst(&s.small_ptrs[at], &s.small_lens[at], &s.small_lens[at], kBurst, &parsed[at]);
  size_t i = 0;
  Verdict verdicts[kBurst];
  for (auto _ : state) {
    JudgeBurst(policy, &parsed[i], kBurst, verdicts);
    benchmark::DoNotOptimize(verdicts);
    i = (i + kBurst) % window;
  }
  state.SetItemsProcessed(state.iterations() * kBurst);
  state.SetLabel(state.range(0) == 0 ? "empty policy" : "1M prefixes");
}

// Arg 0: empty policy (0) or 1M prefixes (1).
BENCHMARK(BM_ClassifyPerPacket)->Arg(0)->Arg(1);
BENCHMARK(BM_ClassifyBurst32)->Args({0, kPackets})->Args({1, kPackets})->Args({0, 1024})->Args({1, 1024});
BENCHMARK(BM_ParseBurst32)->Arg(0)->Arg(1024)->Arg(kPackets);
BENCHMARK(BM_JudgeBurst32)->Arg(0)->Arg(1);

}  // namespace
}  // namespace spamwall::bench

BENCHMARK_MAIN();
