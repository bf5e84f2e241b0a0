#include "control/ctl/output.h"

#include <cstdio>

#include "control/ctl/table.h"
#include "ipc/api/controld_api.h"
#include "ipc/api/policy_lists.h"

namespace spamwall::ctl {

using nlohmann::json;

namespace {

// Every field of a reply is read through these: a field that is missing or
// of another type reads as null (printed "-") or as an empty object / array,
// never throws, never inserts, and never hands out a reference to a temporary
// (a range-for over `.items()` of a temporary json dangles).
const json& Null() {
  static const json kNull;
  return kNull;
}
const json& EmptyObject() {
  static const json kObject = json::object();
  return kObject;
}
const json& EmptyArray() {
  static const json kArray = json::array();
  return kArray;
}

// j[k] when j is an object that has k, else null.
const json& At(const json& j, const char* k) {
  if (!j.is_object()) return Null();
  auto it = j.find(k);
  return it == j.end() ? Null() : *it;
}
const json& Obj(const json& j, const char* k) {
  const json& v = At(j, k);
  return v.is_object() ? v : EmptyObject();
}
const json& Arr(const json& j, const char* k) {
  const json& v = At(j, k);
  return v.is_array() ? v : EmptyArray();
}

// A scalar as text; null, objects and arrays (where a scalar is expected)
// "-". Strings with control characters escaped: every field of a reply
// reaches the terminal through here.
std::string S(const json& v) {
  if (v.is_string()) return api::ctl::Printable(v.get<std::string>(), 4096);
  if (v.is_number_float()) {
    char b[64];
    snprintf(b, sizeof b, "%.3f", v.get<double>());
    return b;
  }
  if (v.is_number() || v.is_boolean()) return v.dump();
  return "-";
}

std::string Get(const json& j, const char* k) { return S(At(j, k)); }

// The number of entries of the array j[k], or "-".
std::string Count(const json& j, const char* k) {
  const json& v = At(j, k);
  return v.is_array() ? std::to_string(v.size()) : "-";
}

// The sum of an object's counters (non-negative integers; others skipped).
uint64_t Sum(const json& obj) {
  uint64_t s = 0;
  if (obj.is_object())
    for (const auto& [_, v] : obj.items()) {
      if (v.is_number_unsigned()) s += v.get<uint64_t>();
      else if (v.is_number_integer() && v.get<int64_t>() > 0) s += static_cast<uint64_t>(v.get<int64_t>());
    }
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
  out += Lines("warnings", Arr(r, "warnings"));
  const json& d = Obj(r, "diff");
  Table t({"list", "current", "new", "added", "removed"});
  for (const char* l : api::kDiffLists)
    if (d.contains(l)) {
      const json& e = At(d, l);
      t.Add({l, Get(e, "current"), Get(e, "new"), Get(e, "added"), Get(e, "removed")});
    }
  out += "what a push would change:\n" + t.Render();
  const json& m = Obj(r, "mode");
  if (!m.empty() && Get(m, "file") != Get(m, "effective"))
    out += "  effective mode: " + Get(m, "effective") + " (runtime override; the file says " + Get(m, "file") + ")\n";
  if (d.contains("mode"))
    out += "  mode: " + Get(At(d, "mode"), "current") + " -> " + Get(At(d, "mode"), "new") + "\n";
  return out;
}

std::string Push(const json& r) {
  const json& dp = Obj(r, "dataplane");
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
  out += t.Render() + "changes:\n" + Changes(At(r, "changes"));
  return out + Lines("warnings", Arr(r, "warnings"));
}

std::string Record(const char* title, const json& rec) {
  if (!rec.is_object()) return std::string(title) + ": none\n";
  std::string out = std::string(title) + ": generation " + Get(rec, "generation") + ", " +
                    Get(rec, "mode") + ", from " + Get(rec, "source") + "\n  pushed by " +
                    Get(rec, "pushed_by") + " at " + Get(rec, "pushed_at") + "\n";
  Table t({"list", "entries"});
  for (const auto& [k, v] : Obj(rec, "summary").items()) t.Add({k, S(v)});
  return out + t.Render();
}

// "monitor (override by alice at T; the file says enforce)" or "enforce (the file's)".
std::string Mode(const json& m) {
  if (!m.is_object()) return "-";
  if (Get(m, "origin") != "override") return Get(m, "effective") + " (the policy file's)";
  return Get(m, "effective") + " (runtime override by " + Get(m, "set_by") + " at " + Get(m, "set_at") +
         "; the file says " + Get(m, "file") + "; `spamwallctl mode clear` returns to it)";
}

std::string Show(const json& r) {
  std::string out = Record("current", At(r, "current")) + Record("previous", At(r, "previous"));
  const json& o = At(r, "overlay");
  out += "overlay: " + Count(o, "quarantine") + " quarantined, " + Count(o, "exemptions") +
         " exemptions, mode override " + Get(o, "mode") + "\n";
  out += "mode: " + Mode(At(r, "mode")) + "\n";
  const json& ov = Arr(r, "overrides");
  if (!ov.empty()) {
    out += "runtime entries that override the policy file:\n";
    for (const auto& x : ov) out += "  " + Get(x, "warning") + "\n";
  }
  const json& dp = At(r, "dataplane");
  if (dp.is_object())
    out += "dataplane: generation " + Get(dp, "generation") + ", " + Get(dp, "mode") + ", origin " +
           Get(dp, "origin") + "\n";
  else
    out += "dataplane: " + Get(r, "dataplane_error") + "\n";
  return out;
}

std::string Stats(const json& r) {
  const json& dropped = Obj(r, "dropped");
  const json& would = Obj(r, "would_drop");
  std::string out = "packets " + Get(r, "packets") + "  passed " + Get(r, "passed") + "  dropped " +
                    std::to_string(Sum(dropped)) + "  packets/s " + Get(r, "packets_per_s") + "  uptime " +
                    Get(r, "uptime_s") + " s\n";
  if (At(r, "mode_origin").is_object()) out += "mode: " + Mode(At(r, "mode_origin")) + "\n";
  Table reasons({"reason", "dropped", "would_drop"});
  for (const auto& [k, v] : dropped.items()) reasons.Add({k, S(v), Get(would, k.c_str())});
  out += "per reason:\n" + reasons.Render();
  Table ports({"port", "name", "role", "rx", "tx", "dropped", "tx_failed"});
  for (const auto& p : Arr(r, "ports"))
    ports.Add({Get(p, "port"), Get(p, "name"), Get(p, "role"), Get(p, "rx"), Get(p, "tx"),
               Get(p, "dropped"), Get(p, "tx_failed")});
  out += "per port:\n" + ports.Render();
  Table workers({"worker", "packets", "passed", "dropped"});
  for (const auto& w : Arr(r, "workers"))
    workers.Add({Get(w, "worker"), Get(w, "packets"), Get(w, "passed"), std::to_string(Sum(At(w, "dropped")))});
  out += "per worker:\n" + workers.Render();
  Table gens({"generation", "packets", "passed", "dropped", "would_drop"});
  for (const auto& g : Arr(r, "generations"))
    gens.Add({Get(g, "generation"), Get(g, "packets"), Get(g, "passed"), std::to_string(Sum(At(g, "dropped"))),
              std::to_string(Sum(At(g, "would_drop")))});
  out += "per policy generation:\n" + gens.Render();
  return out;
}

std::string Entries(const json& r, const std::vector<std::string>& cols) {
  Table t(cols);
  for (const auto& e : Arr(r, "entries")) {
    std::vector<std::string> row;
    for (const auto& c : cols) row.push_back(Get(e, c.c_str()));
    t.Add(row);
  }
  return t.empty() ? "  (none)\n" : t.Render();
}

// A request's arguments as `key=value ...` (a table cell, not JSON).
std::string Args(const json& a) {
  if (!a.is_object()) return "-";
  std::string out;
  for (const auto& [k, v] : a.items()) out += (out.empty() ? "" : " ") + api::ctl::Printable(k, 64) + "=" + S(v);
  return out.empty() ? "-" : out;
}

std::string Audit(const json& r) {
  Table t({"time", "user", "pid", "cmd", "args", "result", "generation"});
  for (const auto& a : Arr(r, "records"))
    t.Add({Get(a, "time"), Get(a, "user"), Get(a, "pid"), Get(a, "cmd"), Args(At(a, "args")), Get(a, "result"),
           Get(a, "generation")});
  return "audit log " + Get(r, "path") + ":\n" + t.Render();
}

}  // namespace

std::string FormatResult(const std::string& cmd, const json& r) {
  if (cmd == "policy.check") return Check(r);
  if (cmd == "policy.push") return Push(r);
  if (cmd == "policy.rollback")
    return "rolled back: generation " + Get(r, "generation") + " is live with the policy of generation " +
           Get(r, "restored_generation") + " (" + Get(r, "source") + ")\nchanges:\n" + Changes(At(r, "changes"));
  if (cmd == "policy.show") return Show(r);
  if (cmd == "stats") return Stats(r);
  if (cmd == "quarantine.list") return Entries(r, {"addr", "origin"});
  if (cmd == "exempt.list")
    return "today (UTC): " + Get(r, "today") + "\n" +
           Entries(r, {"prefix", "owner", "reason", "expires", "state", "days_left", "origin", "added_by"});
  if (cmd == "audit.tail") return Audit(r);
  // quarantine/exempt add|del, mode.set|clear
  std::string out = "ok: generation " + Get(r, "generation") + " is live\nchanges:\n" + Changes(At(r, "changes"));
  for (const auto& e : Arr(r, "exemptions")) out += Get(e, "text") + "\n";
  if (cmd == "mode.set" || cmd == "mode.clear") out += "mode: " + Mode(At(r, "mode")) + "\n";
  return out + Lines("warnings", Arr(r, "warnings"));
}

}  // namespace spamwall::ctl
