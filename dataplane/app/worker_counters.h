// What the workers count, and how other threads read it.
//
// Verdicts (packets judged, passed, dropped and would-drop per reason) are
// counted once: per policy generation and worker, in GenerationCounters
// (Generation::workers, generation_publisher.h). Lifetime totals are derived from the
// generations: folded + retired + live (GenerationPublisher::Totals); nothing
// else counts a verdict. A worker's own WorkerCounters hold what is not a
// verdict: per-port rx/tx/dropped/tx_failed, frames sent to the drop-capture
// port, bursts, cycles, and the parser's detail on malformed frames.
//
// Every counter has one writer, its worker lcore, and is read by other
// threads (the main lcore's report, the control socket, telemetry). The
// worker adds with a relaxed atomic load and store of its own (AddRelaxed:
// no lock prefix, the same mov/add/mov as a plain increment, since nobody
// else writes); readers load each field with a relaxed atomic load
// (LoadRelaxed, Snapshot). So no read is torn and there is no data race in
// the C++ model (nor for ThreadSanitizer). A snapshot is not one instant: a
// field read later may include packets a field read earlier does not.
#ifndef SPAMWALL_DATAPLANE_APP_WORKER_COUNTERS_H_
#define SPAMWALL_DATAPLANE_APP_WORKER_COUNTERS_H_

#include <atomic>
#include <cstdint>

#include "dataplane/core/packet_parse.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall {

constexpr int kMaxPorts = 32;  // RTE_MAX_ETHPORTS in Debian's DPDK build

// A counter another thread writes (or may be writing): one relaxed load.
inline uint64_t LoadRelaxed(const uint64_t& field) {
  // atomic_ref<const T> is C++26; a load does not write through the cast.
  return std::atomic_ref<uint64_t>(const_cast<uint64_t&>(field)).load(std::memory_order_relaxed);
}

// The single writer's add: a relaxed load and a relaxed store, not a
// read-modify-write (no lock prefix), so readers never see a torn value.
inline void AddRelaxed(uint64_t& field, uint64_t n) {
  std::atomic_ref<uint64_t> a(field);
  a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// The verdicts judged under one policy generation by one worker (its slot of
// Generation::workers); summed, the same for many workers or generations.
struct alignas(64) GenerationCounters {
  uint64_t packets = 0;  // packets == passed + sum(dropped)
  uint64_t passed = 0;
  uint64_t dropped[SW_REASON_COUNT] = {};
  uint64_t would_drop[SW_REASON_COUNT] = {};  // monitor mode: counted, passed; [0]: ordinary passes

  void Add(const GenerationCounters& o);
};

// The stages of a worker's poll, timed with the TSC (worker.cc): RX (both
// ports' rx_burst, empty polls too), parse (frame pointers and the parser),
// classify (port flags, lookups, rules), act (verdict split, counters, the
// sampling tap), TX (transmit what passes, drop or capture the rest).
enum WorkerStage : uint8_t { kStageRx, kStageParse, kStageClassify, kStageAct, kStageTx, kStageCount };
inline const char* WorkerStageName(int stage) {
  constexpr const char* kNames[kStageCount] = {"rx", "parse", "classify", "act", "tx"};
  return stage >= 0 && stage < kStageCount ? kNames[stage] : "unknown";
}

// Only one poll in kStageTimedEvery is timed (six TSC reads at some 30
// cycles each would cost a few cycles per packet on every poll); calls and
// packets count the timed polls only, so cycles per packet is an unbiased
// sample of the whole run.
constexpr uint64_t kStageTimedEvery = 16;

struct StageCounters {
  uint64_t calls = 0;    // timed executions of the stage
  uint64_t packets = 0;  // packets they handled
  uint64_t cycles = 0;   // TSC cycles they took
};

struct PortCounters {
  uint64_t rx = 0;         // frames received on the port
  uint64_t tx = 0;         // frames the port accepted for transmission
  uint64_t dropped = 0;    // frames received on the port and dropped by a rule
  uint64_t tx_failed = 0;  // passed frames the port refused after retries
};

// Per worker: ports, I/O and cycles; no verdicts (those are per generation).
struct alignas(64) WorkerCounters {
  uint64_t malformed[SW_MALFORMED_COUNT] = {};  // parser detail, every frame ([0]: well formed)
  uint64_t drop_captured = 0;  // dropped frames written to the drop-capture port
  uint64_t sampled = 0;            // passed mail frames copied to a sampler
  uint64_t sample_ring_full = 0;   // sampled frames a full sampler ring refused (never waited on)
  uint64_t sample_no_mbuf = 0;     // sampled frames not copied: the sampler pool was empty
  uint64_t attempts_recorded = 0;  // blocked SYNs handed to a sampler's zombie table
  uint64_t attempts_ring_full = 0; // ... refused by a full ring
  uint64_t bursts = 0;           // non-empty RX bursts
  uint64_t polls = 0;            // loop iterations: the watchdog's sign of life
  StageCounters stage[kStageCount];  // timed polls only (kStageTimedEvery)
  PortCounters port[kMaxPorts];

  void Add(const WorkerCounters& o);
};

// f(from, to) for every counter of two structs of one kind: the one list of
// fields that Snapshot and Add walk.
template <typename F>
void ForEachCounter(const GenerationCounters& from, GenerationCounters& to, F f) {
  f(from.packets, to.packets);
  f(from.passed, to.passed);
  for (int r = 0; r < SW_REASON_COUNT; r++) {
    f(from.dropped[r], to.dropped[r]);
    f(from.would_drop[r], to.would_drop[r]);
  }
}

template <typename F>
void ForEachCounter(const WorkerCounters& from, WorkerCounters& to, F f) {
  for (int m = 0; m < SW_MALFORMED_COUNT; m++) f(from.malformed[m], to.malformed[m]);
  f(from.drop_captured, to.drop_captured);
  f(from.sampled, to.sampled);
  f(from.sample_ring_full, to.sample_ring_full);
  f(from.sample_no_mbuf, to.sample_no_mbuf);
  f(from.attempts_recorded, to.attempts_recorded);
  f(from.attempts_ring_full, to.attempts_ring_full);
  f(from.bursts, to.bursts);
  f(from.polls, to.polls);
  for (int s = 0; s < kStageCount; s++) {
    f(from.stage[s].calls, to.stage[s].calls);
    f(from.stage[s].packets, to.stage[s].packets);
    f(from.stage[s].cycles, to.stage[s].cycles);
  }
  for (int p = 0; p < kMaxPorts; p++) {
    f(from.port[p].rx, to.port[p].rx);
    f(from.port[p].tx, to.port[p].tx);
    f(from.port[p].dropped, to.port[p].dropped);
    f(from.port[p].tx_failed, to.port[p].tx_failed);
  }
}

// A copy of counters a worker may be writing, every field read with
// LoadRelaxed: how any thread but the writer reads them.
template <typename Counters>
Counters Snapshot(const Counters& c) {
  Counters out;
  ForEachCounter(c, out, [](const uint64_t& from, uint64_t& to) { to = LoadRelaxed(from); });
  return out;
}

// Sums of copies (snapshots, or counters nobody writes any more).
inline void GenerationCounters::Add(const GenerationCounters& o) {
  ForEachCounter(o, *this, [](const uint64_t& from, uint64_t& to) { to += from; });
}

inline void WorkerCounters::Add(const WorkerCounters& o) {
  ForEachCounter(o, *this, [](const uint64_t& from, uint64_t& to) { to += from; });
}

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_WORKER_COUNTERS_H_
