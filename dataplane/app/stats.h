// Reading the counters once and presenting them: STATS.json and the
// human-readable report of both modes.
#ifndef SPAMWALL_DATAPLANE_APP_STATS_H_
#define SPAMWALL_DATAPLANE_APP_STATS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataplane/app/generation_publisher.h"
#include "dataplane/app/worker_counters.h"
#include "dataplane/core/compiled_policy.h"

namespace spamwall {

struct PortInfo {
  uint16_t port_id = 0;
  std::string name;  // device name, e.g. net_pcap0
  std::string role;  // "subscriber", "core", "drop-capture"
};

struct RunInfo {
  std::string mode;  // "offline" or "live"
  const CompiledPolicy* policy = nullptr;
  std::vector<PortInfo> ports;
  double elapsed_s = 0;
  uint64_t tsc_hz = 0;
};

// Everything a report shows, read once: the verdicts from the policy
// generations (GenerationPublisher::LifetimeTotals, their only source), the
// ports, I/O and cycles from each worker's own counters.
struct RunCounters {
  GenerationCounters verdicts;                      // every generation, every worker
  std::vector<GenerationCounters> worker_verdicts;  // per worker, every generation
  std::vector<WorkerCounters> workers;              // per worker (snapshots)
  WorkerCounters io;                                // their sum
};

// Reads the counters of a running (or stopped) dataplane; `workers[i]` is
// worker i's own counters, its verdicts are slot i of every generation. Takes
// the publisher's lock: not from inside GenerationPublisher::WithCurrent.
RunCounters ReadCounters(GenerationPublisher* publisher, const std::vector<const WorkerCounters*>& workers);

// {"consumer_smtp": N, ...}: one count per drop reason (reason 0 left out).
nlohmann::json CountsByReason(const uint64_t (&v)[SW_REASON_COUNT]);

// Sum of every drop reason (reason 0 left out).
uint64_t TotalDropped(const GenerationCounters& c);

// The per-stage cycle rows of the timed polls (worker_counters.h): stage,
// calls, packets, cycles, cycles_per_call, cycles_per_packet.
nlohmann::json StagesJson(const WorkerCounters& c);

nlohmann::json StatsJson(const RunInfo& run, const RunCounters& counters);

// A short report for an operator's terminal.
std::string HumanReport(const RunInfo& run, const RunCounters& counters);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_STATS_H_
