// Summing per-worker counters and presenting them: STATS.json and the
// human-readable report of both modes.
#ifndef SPAMWALL_DATAPLANE_APP_STATS_H_
#define SPAMWALL_DATAPLANE_APP_STATS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

// {"consumer_smtp": N, ...}: one count per drop reason (reason 0 left out).
nlohmann::json CountsByReason(const uint64_t (&v)[SW_REASON_COUNT]);

// Sum of every worker's counters (what a reader of per-lcore counters does).
WorkerCounters SumCounters(const std::vector<const WorkerCounters*>& workers);

nlohmann::json StatsJson(const RunInfo& run, const std::vector<const WorkerCounters*>& workers);

// A short report for an operator's terminal.
std::string HumanReport(const RunInfo& run, const std::vector<const WorkerCounters*>& workers);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_STATS_H_
