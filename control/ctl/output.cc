#include "control/ctl/output.h"

#include <cstdio>

#include "control/ctl/table.h"
#include "ipc/api/controld_api.h"
#include "ipc/api/controld_results.h"
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

// A typed field as text: empty strings "-", doubles with 3 decimals, and
// every string escaped (it reaches the terminal).
std::string T(const std::string& s) { return s.empty() ? "-" : api::ctl::Printable(s, 4096); }
std::string T(double d) { return S(json(d)); }
std::string T(uint64_t n) { return std::to_string(n); }
std::string T(int64_t n) { return std::to_string(n); }

std::string Changes(const api::ctl::ListChanges& c) {
  if (c.empty()) return "  no list changed\n";
  Table t({"list", "added", "removed"});
  for (const auto& [list, n] : c.lists) t.Add({list, T(n.added), T(n.removed)});
  if (c.mode) t.Add({"mode", T(c.mode->current.value_or("")) + " -> " + T(c.mode->next), ""});
  return t.Render();
}

std::string Lines(const char* title, const std::vector<std::string>& a) {
  std::string out;
  if (!a.empty()) {
    out += std::string(title) + ":\n";
    for (const auto& w : a) out += "  " + T(w) + "\n";
  }
  return out;
}

std::string Check(const api::ctl::CheckResult& r) {
  std::string out = "policy " + T(r.path) + " is valid (compiled in " + T(r.compile_ms) + " ms)\n";
  out += Lines("warnings", r.warnings);
  Table t({"list", "current", "new", "added", "removed"});
  if (r.diff)
    for (const auto& [list, d] : r.diff->lists) t.Add({list, T(d.current), T(d.next), T(d.added), T(d.removed)});
  out += "what a push would change:\n" + t.Render();
  if (!r.mode.file.empty() && r.mode.file != r.mode.effective)
    out += "  effective mode: " + T(r.mode.effective) + " (runtime override; the file says " + T(r.mode.file) + ")\n";
  if (r.diff) out += "  mode: " + T(r.diff->mode.current.value_or("")) + " -> " + T(r.diff->mode.next) + "\n";
  return out;
}

std::string Push(const api::ctl::PushResult& r) {
  const json& dp = r.dataplane;
  std::string out = "generation " + T(r.generation) + " is live (previous " + T(r.previous_generation) +
                    ") from " + T(r.source) + "\n";
  Table t({"step", "time"});
  t.Add({"load", T(r.load_ms) + " ms"});
  t.Add({"compile", T(r.compile_ms) + " ms"});
  t.Add({"image", T(r.image_ms) + " ms"});
  t.Add({"dataplane load", Get(dp, "load_ms") + " ms"});
  t.Add({"publish", Get(dp, "publish_us") + " us"});
  t.Add({"grace period", Get(dp, "grace_us") + " us"});
  t.Add({"total", T(r.total_ms) + " ms"});
  out += t.Render() + "changes:\n" + Changes(r.changes);
  return out + Lines("warnings", r.warnings);
}

std::string Record(const char* title, const std::optional<api::ctl::GenerationRecord>& rec) {
  if (!rec) return std::string(title) + ": none\n";
  std::string out = std::string(title) + ": generation " + T(rec->generation) + ", " + T(rec->mode) + ", from " +
                    T(rec->source) + "\n  pushed by " + T(rec->pushed_by) + " at " + T(rec->pushed_at) + "\n";
  Table t({"list", "entries"});
  for (const auto& [list, n] : rec->summary) t.Add({T(list), T(n)});
  return out + t.Render();
}

// "monitor (override by alice at T; the file says enforce)" or "enforce (the file's)".
std::string Mode(const std::optional<api::ctl::ModeInfo>& m) {
  if (!m) return "-";
  if (m->origin != "override") return T(m->effective) + " (the policy file's)";
  return T(m->effective) + " (runtime override by " + T(m->set_by) + " at " + T(m->set_at) + "; the file says " +
         T(m->file) + "; `spamwallctl mode clear` returns to it)";
}

std::string Show(const api::ctl::ShowResult& r) {
  std::string out = Record("current", r.current) + Record("previous", r.previous);
  const json& o = r.overlay;
  out += "overlay: " + Count(o, "quarantine") + " quarantined, " + Count(o, "exemptions") +
         " exemptions, mode override " + Get(o, "mode") + "\n";
  out += "mode: " + Mode(r.mode) + "\n";
  if (!r.overrides.empty()) {
    out += "runtime entries that override the policy file:\n";
    for (const auto& x : r.overrides) out += "  " + T(x.warning) + "\n";
  }
  if (r.dataplane && r.dataplane->is_object())
    out += "dataplane: generation " + Get(*r.dataplane, "generation") + ", " + Get(*r.dataplane, "mode") +
           ", origin " + Get(*r.dataplane, "origin") + "\n";
  else
    out += "dataplane: " + T(r.dataplane_error) + "\n";
  return out;
}

// The dataplane's part is its own document (docs/control-protocol.md), read as such.
std::string Stats(const api::ctl::StatsResult& typed) {
  const json& r = typed.dataplane;
  const json& dropped = Obj(r, "dropped");
  const json& would = Obj(r, "would_drop");
  std::string out = "packets " + Get(r, "packets") + "  passed " + Get(r, "passed") + "  dropped " +
                    std::to_string(Sum(dropped)) + "  packets/s " + T(typed.packets_per_s) + "  uptime " +
                    Get(r, "uptime_s") + " s\n";
  if (typed.mode_origin) out += "mode: " + Mode(typed.mode_origin) + "\n";
  Table reasons({"reason", "dropped", "would_drop"});
  for (const auto& [k, v] : dropped.items()) reasons.Add({T(k), S(v), Get(would, k.c_str())});
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

// A request's arguments as `key=value ...` (a table cell, not JSON).
std::string Args(const json& a) {
  if (!a.is_object()) return "-";
  std::string out;
  for (const auto& [k, v] : a.items()) out += (out.empty() ? "" : " ") + api::ctl::Printable(k, 64) + "=" + S(v);
  return out.empty() ? "-" : out;
}

// Audit records are audit_log.h's documents.
std::string Audit(const api::ctl::AuditTailResult& r) {
  Table t({"time", "user", "pid", "cmd", "args", "result", "generation"});
  if (r.records.is_array())
    for (const auto& a : r.records)
      t.Add({Get(a, "time"), Get(a, "user"), Get(a, "pid"), Get(a, "cmd"), Args(At(a, "args")), Get(a, "result"),
             Get(a, "generation")});
  return "audit log " + T(r.path) + ":\n" + t.Render();
}

std::string Quarantine(const api::ctl::QuarantineListResult& r) {
  Table t({"addr", "origin"});
  for (const auto& e : r.entries) t.Add({T(e.addr), T(e.origin)});
  return t.empty() ? "  (none)\n" : t.Render();
}

std::string Exemptions(const api::ctl::ExemptListResult& r) {
  Table t({"prefix", "owner", "reason", "expires", "state", "days_left", "origin", "added_by"});
  for (const auto& e : r.entries)
    t.Add({T(e.prefix), T(e.owner), T(e.reason), T(e.expires), T(e.state), e.state.empty() ? "-" : T(e.days_left),
           T(e.origin), T(e.added_by)});
  return "today (UTC): " + T(r.today) + "\n" + (t.empty() ? "  (none)\n" : t.Render());
}

std::string Rollback(const api::ctl::RollbackResult& r) {
  return "rolled back: generation " + T(r.generation) + " is live with the policy of generation " +
         T(r.restored_generation) + " (" + T(r.source) + ")\nchanges:\n" + Changes(r.changes);
}

// quarantine/exempt add|del, mode.set|clear.
std::string OverlayChange(const std::string& cmd, const api::ctl::OverlayChangeResult& r) {
  std::string out = "ok: generation " + T(r.generation) + " is live\nchanges:\n" + Changes(r.changes);
  for (const auto& e : r.exemptions) out += T(e.text) + "\n";
  if (cmd == api::ctl::kModeSet || cmd == api::ctl::kModeClear) out += "mode: " + Mode(r.mode) + "\n";
  return out + Lines("warnings", r.warnings);
}

// The reply read as its typed result, then formatted; a reply that does
// not read says which field is wrong.
template <class R, class F>
bool As(const std::string& cmd, const json& j, F format, std::string* out) {
  R r;
  std::string error;
  if (!R::FromJson(j, &r, &error)) {
    *out = "controld's answer to " + cmd + " does not read: " + api::ctl::Printable(error, 512) +
           " (spamwallctl -j shows it as sent)";
    return false;
  }
  *out = format(r);
  return true;
}

}  // namespace

bool FormatResult(const std::string& cmd, const json& r, std::string* out) {
  namespace n = api::ctl;
  if (cmd == n::kPolicyCheck) return As<n::CheckResult>(cmd, r, Check, out);
  if (cmd == n::kPolicyPush) return As<n::PushResult>(cmd, r, Push, out);
  if (cmd == n::kPolicyRollback) return As<n::RollbackResult>(cmd, r, Rollback, out);
  if (cmd == n::kPolicyShow) return As<n::ShowResult>(cmd, r, Show, out);
  if (cmd == n::kStats) return As<n::StatsResult>(cmd, r, Stats, out);
  if (cmd == n::kQuarantineList) return As<n::QuarantineListResult>(cmd, r, Quarantine, out);
  if (cmd == n::kExemptList) return As<n::ExemptListResult>(cmd, r, Exemptions, out);
  if (cmd == n::kAuditTail) return As<n::AuditTailResult>(cmd, r, Audit, out);
  return As<n::OverlayChangeResult>(
      cmd, r, [&](const n::OverlayChangeResult& x) { return OverlayChange(cmd, x); }, out);
}

}  // namespace spamwall::ctl
