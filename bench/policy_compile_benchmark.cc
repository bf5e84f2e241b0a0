// Policy compile time for 10k, 100k and 1M prefixes (half IPv4, half IPv6),
// from pool files as an IPAM export would give them:
//   BM_LoadAndCompile: read the YAML and the pool files, validate, compile;
//   BM_CompileOnly:    the compile step alone (sort, merge, build the tables).
// The pool files go to a temporary directory, removed at exit.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <vector>

#include "bench/prefix_set.h"
#include "control/policy/policy_loader.h"

namespace spamwall::bench {
namespace {

// The policy files of each size, written once; the directories go at exit.
class Policies {
 public:
  ~Policies() {
    std::error_code ec;
    for (const auto& dir : dirs_) std::filesystem::remove_all(dir, ec);
  }
  const std::string& For(size_t n) {
    auto it = paths_.find(n);
    if (it != paths_.end()) return it->second;
    std::string dir = (std::filesystem::temp_directory_path() /
                       ("spamwall-bench-" + std::to_string(getpid()) + "-" + std::to_string(n)))
                          .string();
    dirs_.push_back(dir);
    return paths_[n] = WritePolicyWithPools(dir, MakePrefixes(n / 2, n / 2, n));
  }

 private:
  std::map<size_t, std::string> paths_;
  std::vector<std::string> dirs_;
};

const std::string& PolicyFor(size_t n) {
  static Policies policies;
  return policies.For(n);
}

void BM_LoadAndCompile(benchmark::State& state) {
  const std::string& path = PolicyFor(state.range(0));
  for (auto _ : state) {
    Diagnostics diag;
    auto c = LoadAndCompile(path, CompileOptions{}, &diag);
    if (!c) state.SkipWithError(diag.ToString().c_str());
    benchmark::DoNotOptimize(c.get());
  }
  state.counters["prefixes"] = static_cast<double>(state.range(0));
}

void BM_CompileOnly(benchmark::State& state) {
  Diagnostics diag;
  auto policy = LoadPolicyFile(PolicyFor(state.range(0)), &diag);
  if (!policy) {
    state.SkipWithError(diag.ToString().c_str());
    return;
  }
  size_t bytes = 0;
  for (auto _ : state) {
    auto c = CompilePolicy(*policy, CompileOptions{}, &diag);
    bytes = c->v4.memory_bytes() + c->v6.memory_bytes();
    benchmark::DoNotOptimize(c.get());
  }
  state.counters["prefixes"] = static_cast<double>(state.range(0));
  state.counters["table_MiB"] = static_cast<double>(bytes) / (1 << 20);
}

BENCHMARK(BM_LoadAndCompile)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CompileOnly)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace spamwall::bench

BENCHMARK_MAIN();
