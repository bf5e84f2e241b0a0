#include "control/controld/metrics.h"

#include <cstdio>

namespace spamwall::controld {

std::string EscapeLabel(const std::string& v) {
  std::string o;
  for (char c : v) {
    if (c == '\\') o += "\\\\";
    else if (c == '"') o += "\\\"";
    else if (c == '\n') o += "\\n";
    else o += c;
  }
  return o;
}

namespace {

class Writer {
 public:
  void Family(const char* name, const char* type, const char* help) {
    out_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  // labels: already formatted as a="b",c="d" (empty: none).
  void Sample(const char* name, const std::string& labels, double v) {
    char num[64];
    if (v == static_cast<double>(static_cast<uint64_t>(v)) && v >= 0 && v < 1e18)
      snprintf(num, sizeof num, "%llu", static_cast<unsigned long long>(v));
    else
      snprintf(num, sizeof num, "%.6g", v);
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += std::string(" ") + num + "\n";
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string L(const char* k, const std::string& v) { return std::string(k) + "=\"" + EscapeLabel(v) + "\""; }

double Num(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0;
}

std::string Str(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// One labelled sample per key of an object {"label value": count}.
void PerKey(Writer& w, const char* name, const char* label, const nlohmann::json& obj) {
  if (!obj.is_object()) return;
  for (const auto& [k, v] : obj.items())
    if (v.is_number()) w.Sample(name, L(label, k), v.get<double>());
}

}  // namespace

std::string RenderMetrics(const nlohmann::json& stats, double packets_per_s,
                          const ControldCounters& c) {
  Writer w;
  const bool up = stats.is_object();
  w.Family("spamwall_up", "gauge", "1 when controld reaches the dataplane and it answers stats.");
  w.Sample("spamwall_up", "", up ? 1 : 0);
  if (up) {
    w.Family("spamwall_safe_state", "gauge",
             "1 while the dataplane runs the safe state (no usable policy: everything forwarded, nothing dropped).");
    w.Sample("spamwall_safe_state", "", stats.value("safe_state", false) ? 1 : 0);
    w.Family("spamwall_packets_total", "counter", "Packets classified by the dataplane.");
    w.Sample("spamwall_packets_total", "", Num(stats, "packets"));
    w.Family("spamwall_passed_total", "counter", "Packets passed.");
    w.Sample("spamwall_passed_total", "", Num(stats, "passed"));
    w.Family("spamwall_dropped_total", "counter", "Packets dropped, by reason.");
    PerKey(w, "spamwall_dropped_total", "reason", stats.value("dropped", nlohmann::json()));
    w.Family("spamwall_would_drop_total", "counter", "Packets monitor mode would have dropped, by reason.");
    PerKey(w, "spamwall_would_drop_total", "reason", stats.value("would_drop", nlohmann::json()));
    w.Family("spamwall_malformed_total", "counter", "Malformed frames, by kind.");
    PerKey(w, "spamwall_malformed_total", "kind", stats.value("malformed_detail", nlohmann::json()));
    const nlohmann::json ports = stats.value("ports", nlohmann::json::array());
    const std::pair<const char*, const char*> port_series[] = {
        {"rx", "spamwall_port_rx_total"}, {"tx", "spamwall_port_tx_total"},
        {"dropped", "spamwall_port_dropped_total"}, {"tx_failed", "spamwall_port_tx_failed_total"}};
    for (const auto& [key, name] : port_series) {
      w.Family(name, "counter", (std::string("Per port: ") + key + " packets.").c_str());
      for (const auto& p : ports) {
        std::string labels = L("port", Str(p.value("port", nlohmann::json(0)))) + "," +
                             L("name", Str(p.value("name", nlohmann::json("")))) + "," +
                             L("role", Str(p.value("role", nlohmann::json(""))));
        w.Sample(name, labels, Num(p, key));
      }
    }
    w.Family("spamwall_worker_packets_total", "counter", "Packets per worker.");
    for (const auto& wk : stats.value("workers", nlohmann::json::array()))
      w.Sample("spamwall_worker_packets_total", L("worker", Str(wk.value("worker", nlohmann::json(0)))),
               Num(wk, "packets"));
    // Per stage of the workers' poll, over the timed polls (one in 16):
    // rate(cycles) / rate(packets) is the stage's cycles per packet.
    const nlohmann::json stages = stats.value("stages", nlohmann::json::array());
    const std::pair<const char*, const char*> stage_series[] = {
        {"calls", "spamwall_stage_calls_total"},
        {"packets", "spamwall_stage_packets_total"},
        {"cycles", "spamwall_stage_cycles_total"}};
    for (const auto& [key, name] : stage_series) {
      w.Family(name, "counter",
               (std::string("Per worker stage (rx, parse, classify, act, tx), timed polls only: ") +
                key + ".").c_str());
      for (const auto& st : stages)
        w.Sample(name, L("stage", Str(st.value("stage", nlohmann::json("")))), Num(st, key));
    }
    w.Family("spamwall_stage_cycles_per_packet", "gauge",
             "Per worker stage: TSC cycles per packet since the dataplane started.");
    for (const auto& st : stages)
      w.Sample("spamwall_stage_cycles_per_packet", L("stage", Str(st.value("stage", nlohmann::json("")))),
               Num(st, "cycles_per_packet"));
    w.Family("spamwall_generation_packets_total", "counter", "Packets per policy generation.");
    for (const auto& g : stats.value("generations", nlohmann::json::array()))
      w.Sample("spamwall_generation_packets_total",
               L("generation", Str(g.value("generation", nlohmann::json(0)))), Num(g, "packets"));
    w.Family("spamwall_packets_per_second", "gauge", "Packets per second between the last two samples.");
    w.Sample("spamwall_packets_per_second", "", packets_per_s);
  }
  w.Family("spamwall_policy_generation", "gauge", "controld's live policy generation.");
  w.Sample("spamwall_policy_generation", "", static_cast<double>(c.generation));
  w.Family("spamwall_policy_pushes_total", "counter", "Policy pushes to the dataplane, by result.");
  for (const char* r : {"ok", "refused", "unavailable"}) {
    auto it = c.pushes.find(r);
    w.Sample("spamwall_policy_pushes_total", L("result", r), it == c.pushes.end() ? 0 : it->second);
  }
  w.Family("spamwall_policy_push_seconds", "gauge", "Duration of the last successful push, load to publish.");
  w.Sample("spamwall_policy_push_seconds", "", c.last_push_seconds);
  w.Family("spamwall_exemptions", "gauge",
           "Exemptions of the live policy (file and runtime) by state today (UTC): active, expired.");
  w.Sample("spamwall_exemptions", L("state", "active"), static_cast<double>(c.exemptions_active));
  w.Sample("spamwall_exemptions", L("state", "expired"), static_cast<double>(c.exemptions_expired));
  w.Family("spamwall_exemptions_expiring_7d", "gauge",
           "Active exemptions whose last day is within the next 7 days (UTC), today included.");
  w.Sample("spamwall_exemptions_expiring_7d", "", static_cast<double>(c.exemptions_expiring_7d));
  w.Family("spamwall_mode_override", "gauge",
           "1 while a runtime mode override (spamwallctl mode) differs from the policy file's mode.");
  w.Sample("spamwall_mode_override", "", c.mode_override ? 1 : 0);
  return w.Take();
}

std::string RenderEventMetrics(const IngestCounters& i, const ContainmentCounters& c) {
  Writer w;
  auto counter = [&](const char* name, const char* help, uint64_t v) {
    w.Family(name, "counter", help);
    w.Sample(name, "", static_cast<double>(v));
  };
  counter("spamwall_events_ingested_total", "SMTP events read from the dataplane and stored", i.events);
  counter("spamwall_events_missed_total",
          "SMTP events the dataplane dropped before controld read them (its queue was full)", i.missed);
  counter("spamwall_events_bad_lines_total", "lines from the dataplane that were not an event", i.bad_lines);
  counter("spamwall_event_store_errors_total", "writes the event store refused (disk full, database away)",
          c.store_errors + i.store_failures);
  w.Family("spamwall_complaints_total", "counter", "Message-IDs of abuse complaints, by whether they resolved to a subscriber");
  w.Sample("spamwall_complaints_total", L("resolved", "true"),
           static_cast<double>(c.complaints - c.complaints_unresolved));
  w.Sample("spamwall_complaints_total", L("resolved", "false"), static_cast<double>(c.complaints_unresolved));
  counter("spamwall_signature_hits_total", "signature hits in sampled messages", c.signature_hits);
  w.Family("spamwall_threshold_crossings_total", "counter",
           "subscribers that reached a policy threshold, by threshold and action");
  for (const auto& [name, by_action] : c.crossings)
    for (const auto& [action, n] : by_action)
      w.Sample("spamwall_threshold_crossings_total", L("threshold", name) + "," + L("action", action),
               static_cast<double>(n));
  counter("spamwall_threshold_quarantines_failed_total", "threshold quarantines that could not be pushed",
          c.quarantines_failed);
  w.Family("spamwall_threshold_subscribers", "gauge", "subscribers whose windows controld keeps");
  w.Sample("spamwall_threshold_subscribers", "", static_cast<double>(c.tracked_subscribers));
  counter("spamwall_threshold_evicted_total", "subscribers' windows dropped to stay within the table's size",
          c.tracked_evicted);
  return w.Take();
}

}  // namespace spamwall::controld
