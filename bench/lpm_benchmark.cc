// Our StrideTrie against DPDK's rte_fib (DIR-24-8) and rte_fib6 (TRIE) on the
// same prefixes and the same addresses, looked up in bursts of 32 (4-byte
// entries in all three, as tbl8 indexes beyond 127/32767 need). Half the
// addresses fall inside table prefixes, half are random. The argument is the
// number of prefixes per family.
#include <benchmark/benchmark.h>
#include <rte_eal.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_memory.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <map>
#include <cstdio>
#include <memory>
#include <random>

#include "bench/bench_eal.h"
#include "bench/prefix_set.h"
#include "dataplane/core/poptrie.h"
#include "dataplane/core/stride_trie.h"

namespace spamwall::bench {
namespace {

constexpr int kBurst = 32;
constexpr size_t kAddresses = 1 << 16;

struct Tables {
  std::vector<Prefix> prefixes;
  std::vector<Prefix> sorted;  // by length: the order tables are built in
  std::unique_ptr<Ipv4Table> v4;
  std::unique_ptr<Ipv6Table> v6;
  std::unique_ptr<Ipv4Poptrie> p4;  // built from v4 / v6
  std::unique_ptr<Ipv6Poptrie> p6;
  rte_fib* fib = nullptr;
  rte_fib6* fib6 = nullptr;
  std::vector<uint32_t> addr4;                  // host order for rte_fib
  std::vector<std::array<uint8_t, 16>> addr4b;  // network order for StrideTrie
  std::vector<std::array<uint8_t, 16>> addr6;
  std::vector<const uint8_t*> keys4, keys6;  // pointers into addr4b / addr6
};

Tables& Get(size_t per_family) {
  static std::map<size_t, std::unique_ptr<Tables>> cache;
  auto& t = cache[per_family];
  if (t) return *t;
  t = std::make_unique<Tables>();
  t->prefixes = MakePrefixes(per_family, per_family, 7);
  t->sorted = t->prefixes;
  std::vector<Prefix>& sorted = t->sorted;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Prefix& a, const Prefix& b) { return a.length < b.length; });
  t->v4 = std::make_unique<Ipv4Table>();
  t->v6 = std::make_unique<Ipv6Table>();

  for (const Prefix& p : sorted) {
    uint8_t value = static_cast<uint8_t>(p.addr[p.max_length() / 8 - 1] % 127 + 1);
    (p.family == 4 ? t->v4->Paint(p.addr.data(), p.length, value)
                   : t->v6->Paint(p.addr.data(), p.length, value));
  }
  t->p4 = std::make_unique<Ipv4Poptrie>(*t->v4);
  t->p6 = std::make_unique<Ipv6Poptrie>(*t->v6);
  // DPDK's tables have the same shape (24-bit root, 256-entry groups): give
  // them as many groups as our trie made, plus slack.
  rte_fib_conf conf{};
  conf.type = RTE_FIB_DIR24_8;
  conf.max_routes = static_cast<int>(per_family * 2);
  conf.dir24_8.nh_sz = RTE_FIB_DIR24_8_4B;
  conf.dir24_8.num_tbl8 = static_cast<uint32_t>(t->v4->node_count() + 4096);
  std::string name = "b4_" + std::to_string(per_family);
  t->fib = rte_fib_create(name.c_str(), SOCKET_ID_ANY, &conf);
  rte_fib6_conf conf6{};
  conf6.type = RTE_FIB6_TRIE;
  conf6.max_routes = static_cast<int>(per_family * 2);
  conf6.trie.nh_sz = RTE_FIB6_TRIE_4B;
  conf6.trie.num_tbl8 = static_cast<uint32_t>(4 * t->v6->node_count() + 4096);
  name = "b6_" + std::to_string(per_family);
  t->fib6 = rte_fib6_create(name.c_str(), SOCKET_ID_ANY, &conf6);
  if (!t->fib || !t->fib6) {
    std::fprintf(stderr, "rte_fib_create failed: give EAL more memory\n");
    std::abort();
  }
  size_t failed4 = 0, failed6 = 0;
  for (const Prefix& p : sorted) {
    uint8_t value = static_cast<uint8_t>(p.addr[p.max_length() / 8 - 1] % 127 + 1);
    if (p.family == 4) {
      uint32_t ip = (uint32_t{p.addr[0]} << 24) | (p.addr[1] << 16) | (p.addr[2] << 8) | p.addr[3];
      if (rte_fib_add(t->fib, ip, p.length, value) != 0) failed4++;
    } else {
      if (rte_fib6_add(t->fib6, p.addr.data(), p.length, value) != 0) failed6++;
    }
  }
  if (failed4 || failed6) {
    std::fprintf(stderr, "rte_fib refused %zu, rte_fib6 %zu of %zu prefixes each\n", failed4, failed6, per_family);
    std::abort();
  }
  std::mt19937_64 rng(11);
  for (size_t i = 0; i < kAddresses; i++) {
    for (int family : {4, 6}) {
      Prefix a;
      if (i % 2) {
        const Prefix& p = t->prefixes[(family == 4 ? 0 : per_family) + rng() % per_family];
        a = AddressIn(p, rng());
      } else {
        a = AddressIn(t->prefixes[(family == 4 ? 0 : per_family)], rng());
        for (int b = 0; b < 16; b++) a.addr[b] = static_cast<uint8_t>(rng());
        if (family == 6) a.addr[0] = 0x2a, a.addr[1] = rng() & 7;
      }
      if (family == 4) {
        t->addr4b.push_back(a.addr);
        t->addr4.push_back((uint32_t{a.addr[0]} << 24) | (a.addr[1] << 16) | (a.addr[2] << 8) | a.addr[3]);
      } else {
        t->addr6.push_back(a.addr);
      }
    }
  }
  for (size_t i = 0; i < kAddresses; i++) {
    t->keys4.push_back(t->addr4b[i].data());
    t->keys6.push_back(t->addr6[i].data());
  }
  for (size_t i = 0; i < kAddresses; i++) {
    if (t->p4->Lookup(t->keys4[i]) != t->v4->Lookup(t->keys4[i]) ||
        t->p6->Lookup(t->keys6[i]) != t->v6->Lookup(t->keys6[i])) {
      std::fprintf(stderr, "Poptrie disagrees with StrideTrie at address %zu\n", i);
      std::abort();
    }
  }
  return *t;
}

// Looks up every address once per kBurst-sized step, `lookup(tables, first)`
// doing one burst that starts at address index `first`.
template <typename Lookup>
void RunBursts(benchmark::State& state, Lookup lookup) {
  Tables& t = Get(state.range(0));
  size_t i = 0;
  for (auto _ : state) {
    lookup(t, i);
    i = (i + kBurst) % kAddresses;
  }
  state.SetItemsProcessed(state.iterations() * kBurst);
}

void BM_StrideTrieV4(benchmark::State& state) {
  RunBursts(state, [](Tables& t, size_t i) {
    uint8_t out[kBurst];
    t.v4->LookupBurst(&t.keys4[i], kBurst, out);
    benchmark::DoNotOptimize(out);
  });
}

void BM_RteFibV4(benchmark::State& state) {
  RunBursts(state, [](Tables& t, size_t i) {
    uint64_t out[kBurst];
    rte_fib_lookup_bulk(t.fib, &t.addr4[i], out, kBurst);
    benchmark::DoNotOptimize(out);
  });
}

void BM_StrideTrieV6(benchmark::State& state) {
  RunBursts(state, [](Tables& t, size_t i) {
    uint8_t out[kBurst];
    t.v6->LookupBurst(&t.keys6[i], kBurst, out);
    benchmark::DoNotOptimize(out);
  });
}

void BM_RteFib6(benchmark::State& state) {
  RunBursts(state, [](Tables& t, size_t i) {
    uint64_t out[kBurst];
    rte_fib6_lookup_bulk(t.fib6, reinterpret_cast<uint8_t(*)[16]>(t.addr6[i].data()), out, kBurst);
    benchmark::DoNotOptimize(out);
  });
}

// The Poptrie copies of the StrideTries above, same keys, same bursts.
// Counters: the sizes of the Poptrie and of the StrideTrie it was built from.
void BM_PoptrieV4(benchmark::State& state) {
  RunBursts(state, [](Tables& t, size_t i) {
    uint8_t out[kBurst];
    t.p4->LookupBurst(&t.keys4[i], kBurst, out);
    benchmark::DoNotOptimize(out);
  });
  Tables& t = Get(state.range(0));
  state.counters["pop_MiB"] = static_cast<double>(t.p4->memory_bytes()) / (1 << 20);
  state.counters["trie_MiB"] = static_cast<double>(t.v4->memory_bytes()) / (1 << 20);
}

void BM_PoptrieV6(benchmark::State& state) {
  RunBursts(state, [](Tables& t, size_t i) {
    uint8_t out[kBurst];
    t.p6->LookupBurst(&t.keys6[i], kBurst, out);
    benchmark::DoNotOptimize(out);
  });
  Tables& t = Get(state.range(0));
  state.counters["pop_MiB"] = static_cast<double>(t.p6->memory_bytes()) / (1 << 20);
  state.counters["trie_MiB"] = static_cast<double>(t.v6->memory_bytes()) / (1 << 20);
}

// Building the tables from the same sorted prefixes (both families). rte_fib
// gets the tbl8 pools the lookup benchmarks give it.
void BM_BuildStrideTries(benchmark::State& state) {
  Tables& t = Get(state.range(0));
  for (auto _ : state) {
    auto v4 = std::make_unique<Ipv4Table>();
    auto v6 = std::make_unique<Ipv6Table>();
    for (const Prefix& p : t.sorted)
      (p.family == 4 ? v4->Paint(p.addr.data(), p.length, 1) : v6->Paint(p.addr.data(), p.length, 1));
    benchmark::DoNotOptimize(v6->node_count());
  }
  state.SetItemsProcessed(state.iterations() * t.sorted.size());
}

void BM_BuildRteFibs(benchmark::State& state) {
  Tables& t = Get(state.range(0));
  int round = 0;
  for (auto _ : state) {
    rte_fib_conf conf{};
    conf.type = RTE_FIB_DIR24_8;
    conf.max_routes = static_cast<int>(t.sorted.size());
    conf.dir24_8.nh_sz = RTE_FIB_DIR24_8_4B;
    conf.dir24_8.num_tbl8 = static_cast<uint32_t>(t.v4->node_count() + 4096);
    rte_fib6_conf conf6{};
    conf6.type = RTE_FIB6_TRIE;
    conf6.max_routes = static_cast<int>(t.sorted.size());
    conf6.trie.nh_sz = RTE_FIB6_TRIE_4B;
    conf6.trie.num_tbl8 = static_cast<uint32_t>(4 * t.v6->node_count() + 4096);
    std::string n4 = "bb4_" + std::to_string(round), n6 = "bb6_" + std::to_string(round++);
    rte_fib* fib = rte_fib_create(n4.c_str(), SOCKET_ID_ANY, &conf);
    rte_fib6* fib6 = rte_fib6_create(n6.c_str(), SOCKET_ID_ANY, &conf6);
    if (!fib || !fib6) {
      state.SkipWithError("rte_fib_create failed");
      break;
    }
    for (const Prefix& p : t.sorted) {
      if (p.family == 4) {
        uint32_t ip = (uint32_t{p.addr[0]} << 24) | (p.addr[1] << 16) | (p.addr[2] << 8) | p.addr[3];
        rte_fib_add(fib, ip, p.length, 1);
      } else {
        rte_fib6_add(fib6, p.addr.data(), p.length, 1);
      }
    }
    rte_fib_free(fib);
    rte_fib6_free(fib6);
  }
  state.SetItemsProcessed(state.iterations() * t.sorted.size());
}

BENCHMARK(BM_BuildStrideTries)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BuildRteFibs)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();

#define LPM_ARGS ->Arg(100'000)->Arg(500'000)
BENCHMARK(BM_StrideTrieV4) LPM_ARGS;
BENCHMARK(BM_RteFibV4) LPM_ARGS;
BENCHMARK(BM_PoptrieV4) LPM_ARGS;
BENCHMARK(BM_StrideTrieV6) LPM_ARGS;
BENCHMARK(BM_RteFib6) LPM_ARGS;
BENCHMARK(BM_PoptrieV6) LPM_ARGS;

}  // namespace
}  // namespace spamwall::bench

int main(int argc, char** argv) {
  // rte_fib needs an EAL heap.
  if (!spamwall::bench::InitBenchEal(argv[0], "6144")) return 1;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  rte_eal_cleanup();
  return 0;
}
