#include "dataplane/app/stats.h"

#include <cstdio>

#include "dataplane/core/verdict.h"

namespace spamwall {

nlohmann::json CountsByReason(const uint64_t (&v)[SW_REASON_COUNT]) {
  nlohmann::json j = nlohmann::json::object();
  for (int r = 1; r < SW_REASON_COUNT; r++) j[std::string(ReasonName(r))] = v[r];
  return j;
}

RunCounters ReadCounters(GenerationPublisher* publisher,
                         const std::vector<const WorkerCounters*>& workers) {
  RunCounters c;
  GenerationPublisher::Totals t = publisher->LifetimeTotals(static_cast<unsigned>(workers.size()));
  c.verdicts = t.all;
  c.worker_verdicts = std::move(t.workers);
  for (const WorkerCounters* w : workers) {
    c.workers.push_back(Snapshot(*w));
    c.io.Add(c.workers.back());
  }
  return c;
}

uint64_t TotalDropped(const GenerationCounters& c) {
  uint64_t d = 0;
  for (int r = 1; r < SW_REASON_COUNT; r++) d += c.dropped[r];
  return d;
}

namespace {

// The timed polls' cycles: classify (parse and classify stages) and I/O (rx,
// act, tx), over the packets those polls judged.
struct StageCycles {
  double classify = 0, io = 0;
  uint64_t packets = 0;
};

StageCycles SumStages(const WorkerCounters& c) {
  StageCycles out;
  out.classify = static_cast<double>(c.stage[kStageParse].cycles + c.stage[kStageClassify].cycles);
  out.io = static_cast<double>(c.stage[kStageRx].cycles + c.stage[kStageAct].cycles +
                               c.stage[kStageTx].cycles);
  out.packets = c.stage[kStageClassify].packets;
  return out;
}

nlohmann::json CountersJson(const RunCounters& counters, const RunInfo& run) {
  const GenerationCounters& v = counters.verdicts;
  const WorkerCounters& c = counters.io;
  nlohmann::json j;
  j["packets"] = v.packets;
  j["passed"] = v.passed;
  j["dropped"] = CountsByReason(v.dropped);
  j["dropped_total"] = TotalDropped(v);
  j["would_drop"] = CountsByReason(v.would_drop);
  nlohmann::json mal = nlohmann::json::object();
  for (int m = 1; m < SW_MALFORMED_COUNT; m++) mal[std::string(MalformedName(m))] = c.malformed[m];
  j["malformed_detail"] = mal;
  j["drop_captured"] = c.drop_captured;
  j["sampling"] = {{"sampled", c.sampled},
                   {"ring_full", c.sample_ring_full},
                   {"no_mbuf", c.sample_no_mbuf},
                   {"attempts_recorded", c.attempts_recorded},
                   {"attempts_ring_full", c.attempts_ring_full}};
  j["bursts"] = c.bursts;
  j["stages"] = StagesJson(c);
  if (const StageCycles sc = SumStages(c); sc.packets) {
    j["cycles_per_packet"] = {{"classify", sc.classify / sc.packets},
                              {"io", sc.io / sc.packets},
                              {"total", (sc.classify + sc.io) / sc.packets}};
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

nlohmann::json StagesJson(const WorkerCounters& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (int s = 0; s < kStageCount; s++) {
    const StageCounters& st = c.stage[s];
    nlohmann::json row = {{"stage", WorkerStageName(s)}, {"calls", st.calls},
                          {"packets", st.packets}, {"cycles", st.cycles}};
    row["cycles_per_call"] = st.calls ? static_cast<double>(st.cycles) / st.calls : 0.0;
    row["cycles_per_packet"] = st.packets ? static_cast<double>(st.cycles) / st.packets : 0.0;
    rows.push_back(row);
  }
  return rows;
}

nlohmann::json StatsJson(const RunInfo& run, const RunCounters& counters) {
  nlohmann::json j = CountersJson(counters, run);
  j["mode"] = run.mode;
  j["elapsed_s"] = run.elapsed_s;
  if (run.elapsed_s > 0) j["packets_per_s"] = counters.verdicts.packets / run.elapsed_s;
  if (run.tsc_hz) j["tsc_hz"] = run.tsc_hz;  // the unit of the cycle counts
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
  for (size_t w = 0; w < counters.workers.size(); w++) {
    const GenerationCounters& v = counters.worker_verdicts[w];
    per_worker.push_back({{"worker", w}, {"packets", v.packets}, {"passed", v.passed},
                          {"dropped", CountsByReason(v.dropped)},
                          {"bursts", counters.workers[w].bursts}});
  }
  j["workers"] = per_worker;
  return j;
}

std::string HumanReport(const RunInfo& run, const RunCounters& counters) {
  const GenerationCounters& v = counters.verdicts;
  const WorkerCounters& c = counters.io;
  const size_t workers = counters.workers.size();
  std::string out;
  char line[256];
  auto pct = [&](uint64_t n) { return v.packets ? 100.0 * n / v.packets : 0.0; };
  bool monitor = run.policy && run.policy->mode == PolicyMode::kMonitor;
  if (run.policy) {
    snprintf(line, sizeof line, "policy   %s (%s, %zu IPv4 + %zu IPv6 prefixes)\n",
             run.policy->source.c_str(), monitor ? "monitor" : "enforce",
             run.policy->summary.distinct_prefixes_v4, run.policy->summary.distinct_prefixes_v6);
    out += line;
  }
  snprintf(line, sizeof line, "packets  %12lu\npassed   %12lu  %5.1f%%\ndropped  %12lu  %5.1f%%\n",
           (unsigned long)v.packets, (unsigned long)v.passed, pct(v.passed),
           (unsigned long)TotalDropped(v), pct(TotalDropped(v)));
  out += line;
  for (int r = 1; r < SW_REASON_COUNT; r++) {
    snprintf(line, sizeof line, "  %-14s %10lu\n", std::string(ReasonName(r)).c_str(),
             (unsigned long)v.dropped[r]);
    out += line;
  }
  if (monitor) {
    out += "would drop (monitor mode: counted, passed)\n";
    for (int r = 1; r < SW_REASON_COUNT; r++) {
      snprintf(line, sizeof line, "  %-14s %10lu\n", std::string(ReasonName(r)).c_str(),
               (unsigned long)v.would_drop[r]);
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
  if (const StageCycles sc = SumStages(c); sc.packets && run.tsc_hz) {
    snprintf(line, sizeof line, "cycles/packet  classify %.1f  io %.1f  (%zu worker%s)\n",
             sc.classify / sc.packets, sc.io / sc.packets, workers, workers == 1 ? "" : "s");
    out += line;
    out += "  stage   ";
    for (int s = 0; s < kStageCount; s++) {
      const StageCounters& st = c.stage[s];
      snprintf(line, sizeof line, " %s %.1f", WorkerStageName(s),
               static_cast<double>(st.cycles) / static_cast<double>(sc.packets));
      out += line;
    }
    out += "\n";
  }
  return out;
}

}  // namespace spamwall
