#include "dataplane/app/stats.h"

#include <cstdio>

#include "dataplane/core/verdict.h"

namespace spamwall {

nlohmann::json CountsByReason(const uint64_t (&v)[SW_REASON_COUNT]) {
  nlohmann::json j = nlohmann::json::object();
  for (int r = 1; r < SW_REASON_COUNT; r++) j[std::string(ReasonName(r))] = v[r];
  return j;
}

WorkerCounters SumCounters(const std::vector<const WorkerCounters*>& workers) {
  WorkerCounters s;
  for (const WorkerCounters* w : workers) {
    s.packets += w->packets;
    s.passed += w->passed;
    for (int r = 0; r < SW_REASON_COUNT; r++) {
      s.dropped[r] += w->dropped[r];
      s.would_drop[r] += w->would_drop[r];
    }
    for (int m = 0; m < SW_MALFORMED_COUNT; m++) s.malformed[m] += w->malformed[m];
    s.drop_captured += w->drop_captured;
    s.bursts += w->bursts;
    s.classify_cycles += w->classify_cycles;
    s.io_cycles += w->io_cycles;
    for (int p = 0; p < kMaxPorts; p++) {
      s.port[p].rx += w->port[p].rx;
      s.port[p].tx += w->port[p].tx;
      s.port[p].dropped += w->port[p].dropped;
      s.port[p].tx_failed += w->port[p].tx_failed;
    }
  }
  return s;
}

namespace {

uint64_t TotalDropped(const WorkerCounters& c) {
  uint64_t d = 0;
  for (int r = 1; r < SW_REASON_COUNT; r++) d += c.dropped[r];
  return d;
}

nlohmann::json CountersJson(const WorkerCounters& c, const RunInfo& run) {
  nlohmann::json j;
  j["packets"] = c.packets;
  j["passed"] = c.passed;
  j["dropped"] = CountsByReason(c.dropped);
  j["dropped_total"] = TotalDropped(c);
  j["would_drop"] = CountsByReason(c.would_drop);
  nlohmann::json mal = nlohmann::json::object();
  for (int m = 1; m < SW_MALFORMED_COUNT; m++) mal[std::string(MalformedName(m))] = c.malformed[m];
  j["malformed_detail"] = mal;
  j["drop_captured"] = c.drop_captured;
  j["bursts"] = c.bursts;
  if (c.packets) {
    j["cycles_per_packet"] = {
        {"classify", static_cast<double>(c.classify_cycles) / c.packets},
        {"io", static_cast<double>(c.io_cycles) / c.packets}};
  }
  nlohmann::json ports = nlohmann::json::array();
  for (const PortInfo& p : run.ports) {
    const PortCounters& pc = c.port[p.port_id];
    ports.push_back({{"port", p.port_id}, {"name", p.name}, {"role", p.role}, {"rx", pc.rx},
                     {"tx", pc.tx}, {"dropped", pc.dropped}, {"tx_failed", pc.tx_failed}});
  }
  j["ports"] = ports;
  return j;
}

}  // namespace

nlohmann::json StatsJson(const RunInfo& run, const std::vector<const WorkerCounters*>& workers) {
  WorkerCounters total = SumCounters(workers);
  nlohmann::json j = CountersJson(total, run);
  j["mode"] = run.mode;
  j["elapsed_s"] = run.elapsed_s;
  if (run.elapsed_s > 0) j["packets_per_s"] = total.packets / run.elapsed_s;
  if (run.policy) {
    const PolicySummary& s = run.policy->summary;
    j["policy"] = {{"source", run.policy->source},
                   {"generation", run.policy->generation},
                   {"mode", run.policy->mode == PolicyMode::kMonitor ? "monitor" : "enforce"},
                   {"prefixes_v4", s.distinct_prefixes_v4},
                   {"prefixes_v6", s.distinct_prefixes_v6},
                   {"exemptions_active", s.exemptions_active},
                   {"exemptions_expired", s.exemptions_expired}};
  }
  nlohmann::json per_worker = nlohmann::json::array();
  for (size_t w = 0; w < workers.size(); w++) {
    const WorkerCounters& c = *workers[w];
    per_worker.push_back({{"worker", w}, {"packets", c.packets}, {"passed", c.passed},
                          {"dropped", CountsByReason(c.dropped)}, {"bursts", c.bursts}});
  }
  j["workers"] = per_worker;
  return j;
}

std::string HumanReport(const RunInfo& run, const std::vector<const WorkerCounters*>& workers) {
  WorkerCounters c = SumCounters(workers);
  std::string out;
  char line[256];
  auto pct = [&](uint64_t v) { return c.packets ? 100.0 * v / c.packets : 0.0; };
  bool monitor = run.policy && run.policy->mode == PolicyMode::kMonitor;
  if (run.policy) {
    snprintf(line, sizeof line, "policy   %s (%s, %zu IPv4 + %zu IPv6 prefixes)\n",
             run.policy->source.c_str(), monitor ? "monitor" : "enforce",
             run.policy->summary.distinct_prefixes_v4, run.policy->summary.distinct_prefixes_v6);
    out += line;
  }
  snprintf(line, sizeof line, "packets  %12lu\npassed   %12lu  %5.1f%%\ndropped  %12lu  %5.1f%%\n",
           (unsigned long)c.packets, (unsigned long)c.passed, pct(c.passed),
           (unsigned long)TotalDropped(c), pct(TotalDropped(c)));
  out += line;
  for (int r = 1; r < SW_REASON_COUNT; r++) {
    snprintf(line, sizeof line, "  %-14s %10lu\n", std::string(ReasonName(r)).c_str(),
             (unsigned long)c.dropped[r]);
    out += line;
  }
  if (monitor) {
    out += "would drop (monitor mode: counted, passed)\n";
    for (int r = 1; r < SW_REASON_COUNT; r++) {
      snprintf(line, sizeof line, "  %-14s %10lu\n", std::string(ReasonName(r)).c_str(),
               (unsigned long)c.would_drop[r]);
      out += line;
    }
  }
  for (const PortInfo& p : run.ports) {
    const PortCounters& pc = c.port[p.port_id];
    snprintf(line, sizeof line, "port %u %-12s %-12s rx %10lu  tx %10lu  dropped %8lu%s\n",
             p.port_id, p.name.c_str(), p.role.c_str(), (unsigned long)pc.rx,
             (unsigned long)pc.tx, (unsigned long)pc.dropped,
             pc.tx_failed ? ("  tx_failed " + std::to_string(pc.tx_failed)).c_str() : "");
    out += line;
  }
  if (c.packets && run.tsc_hz) {
    snprintf(line, sizeof line, "cycles/packet  classify %.1f  io %.1f  (%zu worker%s)\n",
             static_cast<double>(c.classify_cycles) / c.packets,
             static_cast<double>(c.io_cycles) / c.packets, workers.size(),
             workers.size() == 1 ? "" : "s");
    out += line;
  }
  return out;
}

}  // namespace spamwall
