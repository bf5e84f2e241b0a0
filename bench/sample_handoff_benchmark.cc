// What handing one sampled frame to a sampler costs the worker, per frame,
// the two ways issue 10 names: a copy into the samplers' own pool
// (rte_pktmbuf_copy, what dataplane/app/worker.cc does) and a reference (the
// frame's refcount raised, the same mbuf queued; the sampler's free and the
// driver's free after TX each drop one). Each iteration is the worker's part
// and the sampler's part of one burst: copy or reference, then the free the
// sampler does, then the free the TX completion does. Frame sizes: 64 (a
// bare ACK), 590, 1514 (a full segment of a message).
//
// A reference is not an option wherever the port runs with the
// MBUF_FAST_FREE TX offload (the Intel and NVIDIA profiles request it): the
// driver then returns mbufs to their pool without looking at the refcount,
// so a frame the sampler still holds would be reused under it. The copy
// needs no such condition; this says what it costs.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>

#include <benchmark/benchmark.h>

#include "bench/bench_eal.h"

namespace {

constexpr unsigned kBurst = 32;
rte_mempool* rx_pool = nullptr;       // the port's
rte_mempool* sampler_pool = nullptr;  // the samplers' (SamplerRings)

void Fill(rte_mbuf** pkts, unsigned n, uint16_t len) {
  if (rte_pktmbuf_alloc_bulk(rx_pool, pkts, n) != 0) std::abort();
  for (unsigned i = 0; i < n; i++) {
    char* p = rte_pktmbuf_append(pkts[i], len);
    std::memset(p, static_cast<int>(i), len);
  }
}

void BM_Copy(benchmark::State& state) {
  const auto len = static_cast<uint16_t>(state.range(0));
  rte_mbuf* pkts[kBurst];
  rte_mbuf* copies[kBurst];
  for (auto _ : state) {
    state.PauseTiming();
    Fill(pkts, kBurst, len);
    state.ResumeTiming();
    for (unsigned i = 0; i < kBurst; i++) copies[i] = rte_pktmbuf_copy(pkts[i], sampler_pool, 0, UINT32_MAX);
    rte_pktmbuf_free_bulk(copies, kBurst);  // the sampler, done with them
    rte_pktmbuf_free_bulk(pkts, kBurst);    // the TX completion
  }
  state.SetItemsProcessed(state.iterations() * kBurst);
}

void BM_Reference(benchmark::State& state) {
  const auto len = static_cast<uint16_t>(state.range(0));
  rte_mbuf* pkts[kBurst];
  rte_mbuf* refs[kBurst];
  for (auto _ : state) {
    state.PauseTiming();
    Fill(pkts, kBurst, len);
    state.ResumeTiming();
    for (unsigned i = 0; i < kBurst; i++) {
      rte_mbuf_refcnt_update(pkts[i], 1);
      refs[i] = pkts[i];
    }
    rte_pktmbuf_free_bulk(refs, kBurst);  // the sampler: one reference dropped
    rte_pktmbuf_free_bulk(pkts, kBurst);  // the TX completion: the last one
  }
  state.SetItemsProcessed(state.iterations() * kBurst);
}

BENCHMARK(BM_Copy)->Arg(64)->Arg(590)->Arg(1514);
BENCHMARK(BM_Reference)->Arg(64)->Arg(590)->Arg(1514);

}  // namespace

int main(int argc, char** argv) {
  if (!spamwall::bench::InitBenchEal(argv[0], "512")) return 1;
  rx_pool = rte_pktmbuf_pool_create("rx", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  sampler_pool = rte_pktmbuf_pool_create("sampler", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  if (rx_pool == nullptr || sampler_pool == nullptr) {
    std::fprintf(stderr, "mempool: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  rte_eal_cleanup();
  return 0;
}
