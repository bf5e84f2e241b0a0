// Push to live, end to end, with real processes: `spamwallctl policy push`
// of a 100k- and a 1,000,000-prefix policy (pool files, half IPv4, half
// IPv6) through spamwall-controld (load, validate, compile, image) to a
// running spamwall-dataplane (map, check, copy, publish, QSBR grace period)
// that forwards net_null traffic meanwhile. spamwallctl returns once the
// dataplane has the new policy live, so its wall time is push-to-live.
// Two policies of the same size alternate so every push is a real change.
//
//   build/bench/push_to_live_benchmark [--benchmark_filter=1000000]
// Counters: controld's breakdown of the last push (ms; live_ms: until the
// dataplane acknowledged, the rest is the diff for the reply) and the dataplane's.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "bench/prefix_set.h"
#include "tests/golden/run_dataplane.h"

namespace spamwall::bench {
namespace {

using golden::BackgroundProcess;
using golden::BuiltBinary;

// The processes and policy files, made once for the whole run.
struct Rig {
  golden::TempDir dir;
  BackgroundProcess dataplane, controld;
  std::map<size_t, std::array<std::string, 2>> policies;
  std::string ctl_sock;
  bool ok = false;

  Rig() {
    const std::string repo = std::filesystem::path(__FILE__).parent_path().parent_path().string();
    const std::string dp_sock = dir / "dp.sock";
    ctl_sock = dir / "ctl.sock";
    std::filesystem::create_directories(dir / "state");
    dataplane.Start(BuiltBinary("spamwall-dataplane"),
                    {"--profile", repo + "/hw-profiles/null.yaml", "--policy",
                     repo + "/examples/policy.yaml", "--control-socket", dp_sock,
                     "--stats-interval", "3600", "--", "--no-huge", "-m", "512", "--no-pci",
                     "--no-shconf", "--no-telemetry",
                     "--file-prefix=push-bench-" + std::to_string(getpid()), "-l", "0-1"},
                    dir / "dp.log");
    controld.Start(BuiltBinary("spamwall-controld"),
                   {"--socket", ctl_sock, "--socket-group", "", "--dataplane-socket", dp_sock,
                    "--state-dir", dir / "state", "--audit-log", dir / "audit.log",
                    "--prometheus", ""},
                   dir / "controld.log");
    ok = golden::WaitFor([&] { return std::filesystem::exists(ctl_sock) &&
                                      std::filesystem::exists(dp_sock); }, 60);
  }

  ~Rig() {  // at exit: the daemons must not outlive the benchmark
    controld.Stop();
    dataplane.Stop();
  }

  const std::string& Policy(size_t n, int which) {
    auto it = policies.find(n);
    if (it == policies.end()) {
      std::array<std::string, 2> paths;
      for (int i = 0; i < 2; i++)
        paths[i] = WritePolicyWithPools(dir / ("p" + std::to_string(n) + "-" + std::to_string(i)),
                                        MakePrefixes(n / 2, n / 2, n + i));
      it = policies.emplace(n, paths).first;
    }
    return it->second[which];
  }
};

Rig& TheRig() {
  static Rig rig;
  return rig;
}

void BM_PushToLive(benchmark::State& state) {
  Rig& rig = TheRig();
  if (!rig.ok) {
    state.SkipWithError(("daemons did not come up:\n" + rig.dataplane.Log() + rig.controld.Log()).c_str());
    return;
  }
  const size_t n = static_cast<size_t>(state.range(0));
  rig.Policy(n, 0);
  rig.Policy(n, 1);
  int which = 0;
  nlohmann::json last;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    golden::RunResult r = golden::RunBinary(
        BuiltBinary("spamwallctl"), {"-s", rig.ctl_sock, "-j", "policy", "push", rig.Policy(n, which)});
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r.exit_code != 0) {
      state.SkipWithError(("push failed: " + r.output + rig.controld.Log()).c_str());
      return;
    }
    state.SetIterationTime(s);
    last = nlohmann::json::parse(r.output, nullptr, false);
    which ^= 1;
  }
  if (last.is_object()) {
    state.counters["load_ms"] = last.value("load_ms", 0.0);
    state.counters["compile_ms"] = last.value("compile_ms", 0.0);
    state.counters["image_ms"] = last.value("image_ms", 0.0);
    state.counters["live_ms"] = last.value("live_ms", 0.0);  // request to dataplane ack
    state.counters["controld_ms"] = last.value("total_ms", 0.0);
    if (last.contains("dataplane")) {
      state.counters["dp_load_ms"] = last["dataplane"].value("load_ms", 0.0);
      state.counters["dp_grace_us"] = last["dataplane"].value("grace_us", 0.0);
    }
  }
  state.counters["prefixes"] = static_cast<double>(n);
}

BENCHMARK(BM_PushToLive)->Arg(100'000)->Iterations(6)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PushToLive)->Arg(1'000'000)->Iterations(6)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace spamwall::bench

BENCHMARK_MAIN();
