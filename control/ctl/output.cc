#include "control/ctl/output.h"

#include <cstdio>

#include "control/ctl/table.h"
#include "ipc/api/policy_lists.h"

namespace spamwall::ctl {

using nlohmann::json;

namespace {

std::string S(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  if (v.is_number_float()) {
    char b[64];
    snprintf(b, sizeof b, "%.3f", v.get<double>());
    return b;
  }
  return v.dump();
}

std::string Get(const json& j, const char* k) { return j.is_object() && j.contains(k) ? S(j[k]) : "-"; }

uint64_t Sum(const json& obj) {
  uint64_t s = 0;
  if (obj.is_object())
    for (const auto& [_, v] : obj.items())
      if (v.is_number()) s += v.get<uint64_t>();
  return s;
}

std::string Changes(const json& c) {
  if (!c.is_object() || c.empty()) return "  no list changed\n";
  Table t({"list", "added", "removed"});
  for (const auto& [k, v] : c.items()) {
    if (k == "mode") t.Add({"mode", Get(v, "current") + " -> " + Get(v, "new"), ""});
    else t.Add({k, Get(v, "added"), Get(v, "removed")});
  }
  return t.Render();
}

std::string Lines(const char* title, const json& a) {
  std::string out;
  if (a.is_array() && !a.empty()) {
    out += std::string(title) + ":\n";
    for (const auto& w : a) out += "  " + S(w) + "\n";
  }
  return out;
}

std::string Check(const json& r) {
  std::string out = "policy " + Get(r, "path") + " is valid (compiled in " + Get(r, "compile_ms") + " ms)\n";
  out += Lines("warnings", r.value("warnings", json::array()));
  const json& d = r["diff"];
  Table t({"list", "current", "new", "added", "removed"});
  for (const char* l : api::kDiffLists)
    if (d.contains(l)) t.Add({l, Get(d[l], "current"), Get(d[l], "new"), Get(d[l], "added"), Get(d[l], "removed")});
  out += "what a push would change:\n" + t.Render();
  if (d.contains("mode")) out += "  mode: " + Get(d["mode"], "current") + " -> " + Get(d["mode"], "new") + "\n";
  return out;
}

std::string Push(const json& r) {
  const json& dp = r.value("dataplane", json::object());
  std::string out = "generation " + Get(r, "generation") + " is live (previous " +
                    Get(r, "previous_generation") + ") from " + Get(r, "source") + "\n";
  Table t({"step", "time"});
  t.Add({"load", Get(r, "load_ms") + " ms"});
  t.Add({"compile", Get(r, "compile_ms") + " ms"});
  t.Add({"image", Get(r, "image_ms") + " ms"});
  t.Add({"dataplane load", Get(dp, "load_ms") + " ms"});
  t.Add({"publish", Get(dp, "publish_us") + " us"});
  t.Add({"grace period", Get(dp, "grace_us") + " us"});
  t.Add({"total", Get(r, "total_ms") + " ms"});
  out += t.Render() + "changes:\n" + Changes(r.value("changes", json::object()));
  return out + Lines("warnings", r.value("warnings", json::array()));
}

std::string Record(const char* title, const json& rec) {
  if (!rec.is_object()) return std::string(title) + ": none\n";
  std::string out = std::string(title) + ": generation " + Get(rec, "generation") + ", " +
                    Get(rec, "mode") + ", from " + Get(rec, "source") + "\n  pushed by " +
                    Get(rec, "pushed_by") + " at " + Get(rec, "pushed_at") + "\n";
  Table t({"list", "entries"});
  for (const auto& [k, v] : rec.value("summary", json::object()).items()) t.Add({k, S(v)});
  return out + t.Render();
}

std::string Show(const json& r) {
  std::string out = Record("current", r["current"]) + Record("previous", r["previous"]);
  const json& o = r["overlay"];
  out += "overlay: " + std::to_string(o.value("quarantine", json::array()).size()) + " quarantined, " +
         std::to_string(o.value("exemptions", json::array()).size()) + " exemptions, mode override " +
         Get(o, "mode") + "\n";
  if (r.contains("dataplane"))
    out += "dataplane: generation " + Get(r["dataplane"], "generation") + ", " +
           Get(r["dataplane"], "mode") + ", origin " + Get(r["dataplane"], "origin") + "\n";
  else
    out += "dataplane: " + Get(r, "dataplane_error") + "\n";
  return out;
}

std::string Stats(const json& r) {
  std::string out = "packets " + Get(r, "packets") + "  passed " + Get(r, "passed") + "  dropped " +
                    std::to_string(Sum(r.value("dropped", json::object()))) + "  packets/s " +
                    Get(r, "packets_per_s") + "  uptime " + Get(r, "uptime_s") + " s\n";
  const json dropped = r.value("dropped", json::object()), would = r.value("would_drop", json::object());
  Table reasons({"reason", "dropped", "would_drop"});
  for (const auto& [k, v] : dropped.items()) reasons.Add({k, S(v), Get(would, k.c_str())});
  out += "per reason:\n" + reasons.Render();
  Table ports({"port", "name", "role", "rx", "tx", "dropped", "tx_failed"});
  for (const auto& p : r.value("ports", json::array()))
    ports.Add({Get(p, "port"), Get(p, "name"), Get(p, "role"), Get(p, "rx"), Get(p, "tx"),
               Get(p, "dropped"), Get(p, "tx_failed")});
  out += "per port:\n" + ports.Render();
  Table workers({"worker", "packets", "passed", "dropped"});
  for (const auto& w : r.value("workers", json::array()))
    workers.Add({Get(w, "worker"), Get(w, "packets"), Get(w, "passed"),
                 std::to_string(Sum(w.value("dropped", json::object())))});
  out += "per worker:\n" + workers.Render();
  Table gens({"generation", "packets", "passed", "dropped", "would_drop"});
  for (const auto& g : r.value("generations", json::array()))
    gens.Add({Get(g, "generation"), Get(g, "packets"), Get(g, "passed"),
              std::to_string(Sum(g.value("dropped", json::object()))),
              std::to_string(Sum(g.value("would_drop", json::object())))});
  out += "per policy generation:\n" + gens.Render();
  return out;
}

std::string Entries(const json& r, std::vector<std::string> cols) {
  Table t(cols);
  for (const auto& e : r.value("entries", json::array())) {
    std::vector<std::string> row;
    for (const auto& c : cols) row.push_back(Get(e, c.c_str()));
    t.Add(row);
  }
  return t.empty() ? "  (none)\n" : t.Render();
}

std::string Audit(const json& r) {
  Table t({"time", "user", "pid", "cmd", "args", "result", "generation"});
  for (const auto& a : r.value("records", json::array()))
    t.Add({Get(a, "time"), Get(a, "user"), Get(a, "pid"), Get(a, "cmd"),
           a.contains("args") ? a["args"].dump() : "", Get(a, "result"), Get(a, "generation")});
  return "audit log " + Get(r, "path") + ":\n" + t.Render();
}

}  // namespace

std::string FormatResult(const std::string& cmd, const json& r) {
  if (cmd == "policy.check") return Check(r);
  if (cmd == "policy.push") return Push(r);
  if (cmd == "policy.rollback")
    return "rolled back: generation " + Get(r, "generation") + " is live with the policy of generation " +
           Get(r, "restored_generation") + " (" + Get(r, "source") + ")\nchanges:\n" +
           Changes(r.value("changes", json::object()));
  if (cmd == "policy.show") return Show(r);
  if (cmd == "stats") return Stats(r);
  if (cmd == "quarantine.list") return Entries(r, {"addr", "origin"});
  if (cmd == "exempt.list") return Entries(r, {"prefix", "owner", "reason", "expires", "origin"});
  if (cmd == "audit.tail") return Audit(r);
  // quarantine/exempt add|del, mode.set
  return "ok: generation " + Get(r, "generation") + " is live\nchanges:\n" +
         Changes(r.value("changes", json::object()));
}

}  // namespace spamwall::ctl
