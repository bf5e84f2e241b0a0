// CRC32C over an image-sized buffer: the software tables against SSE4.2
// (when the CPU has it; chosen at run time as the image code does).
#include <benchmark/benchmark.h>

#include <vector>

#include "dataplane/core/crc32c.h"

namespace {

void Run(benchmark::State& state, uint32_t (*f)(const void*, size_t, uint32_t)) {
  std::vector<uint8_t> buf(static_cast<size_t>(state.range(0)), 0x5a);
  for (auto _ : state) benchmark::DoNotOptimize(f(buf.data(), buf.size(), 0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_Crc32cSoftware(benchmark::State& state) { Run(state, spamwall::Crc32cSoftware); }
void BM_Crc32cHardware(benchmark::State& state) {
  if (!spamwall::Crc32cHasHardware()) {
    state.SkipWithError("no SSE4.2 on this CPU");
    return;
  }
  Run(state, spamwall::Crc32cHardware);
}

BENCHMARK(BM_Crc32cSoftware)->Arg(1 << 20)->Arg(32 << 20);
BENCHMARK(BM_Crc32cHardware)->Arg(1 << 20)->Arg(32 << 20);

}  // namespace

BENCHMARK_MAIN();
