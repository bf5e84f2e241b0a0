#include "control/ctl/output.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

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
  const json& sigs = At(o, "signatures");
  out += "overlay: " + Count(o, "quarantine") + " quarantined, " + Count(o, "exemptions") +
         " exemptions, mode override " + Get(o, "mode") + ", signatures " +
         (sigs.is_object() ? "pushed (files: " + Count(sigs, "files") + ")" : std::string("from the file")) + "\n";
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

// quarantine/exempt add|del, mode.set|clear, signatures.push|clear.
std::string OverlayChange(const std::string& cmd, const api::ctl::OverlayChangeResult& r) {
  std::string out = "ok: generation " + T(r.generation) + " is live\nchanges:\n" + Changes(r.changes);
  for (const auto& e : r.exemptions) out += T(e.text) + "\n";
  if (cmd == api::ctl::kModeSet || cmd == api::ctl::kModeClear) out += "mode: " + Mode(r.mode) + "\n";
  return out + Lines("warnings", r.warnings);
}

// Unix seconds as "2026-12-03 07:24:55" (UTC); "-" for none.
std::string Utc(double t) {
  if (!(t > 0) || t > 1e11) return "-";
  const time_t secs = static_cast<time_t>(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char b[32];
  strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
  return b;
}
std::string UtcAt(const json& j, const char* k) {
  const json& v = At(j, k);
  return v.is_number() ? Utc(v.get<double>()) : "-";
}
// {"ip", "port"} as ip:port ([ip]:port for IPv6).
std::string Endpoint(const json& e) {
  const std::string ip = Get(e, "ip");
  if (ip == "-") return "-";
  return (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" + Get(e, "port");
}
std::string Joined(const json& a) {
  if (!a.is_array() || a.empty()) return "-";
  std::string out;
  for (const auto& v : a) out += (out.empty() ? "" : ",") + (v.is_object() ? Get(v, "id") : S(v));
  return out;
}

// Events are docs/events.md's documents: one line each, the fields that
// say what happened.
std::string EventSummary(const json& e) {
  const std::string type = Get(e, "type");
  if (type == "smtp_message")
    return "message_id=" + Get(e, "message_id") + " mail_from=" + Get(e, "mail_from") + " rcpt_to=" +
           Joined(Arr(e, "rcpt_to")) + " final_reply=" + Get(e, "final_reply") + " size=" + Get(e, "size") +
           (Arr(e, "hits").empty() ? "" : " hits=" + Joined(Arr(e, "hits")));
  if (type == "smtp_session")
    return "helo=" + Get(e, "ehlo_name") + " messages=" + Get(e, "messages") + " starttls=" + Get(e, "starttls") +
           " auth=" + Get(e, "auth_mechanism") + " close=" + Get(e, "close_reason");
  if (type == "complaint")
    return "message_id=" + Get(e, "message_id") + " resolved=" + Get(e, "resolved") + " kind=" + Get(e, "kind") +
           " feedback_type=" + Get(e, "feedback_type");
  if (type == "threshold_alert")
    return "threshold=" + Get(e, "threshold") + " " + Get(e, "metric") + "=" + Get(e, "value") + ">=" +
           Get(e, "limit") + "/" + Get(e, "window") + " action=" + Get(e, "action") + " result=" + Get(e, "result");
  return "-";
}

std::string Whois(const api::ctl::WhoisResult& r) {
  const size_t n = r.messages.is_array() ? r.messages.size() : 0;
  std::string out = "Message-ID " + T(r.message_id) + ": " +
                    (n == 0 ? std::string("not found in the event store (not sampled, or past the retention)")
                            : std::to_string(n) + (n == 1 ? " message" : " messages")) +
                    ", " + T(r.complaints) + " complaint" + (r.complaints == 1 ? "" : "s") + "\n";
  if (n == 0) return out;
  Table t({"subscriber", "sent (UTC)", "client", "server", "mail_from", "rcpt_to", "final_reply", "size", "session"});
  for (const auto& m : r.messages)
    t.Add({Get(m, "subscriber"), UtcAt(m, "ts"), Endpoint(At(m, "client")), Endpoint(At(m, "server")),
           Get(m, "mail_from"), Joined(Arr(m, "rcpt_to")), Get(m, "final_reply"), Get(m, "size"), Get(m, "uid")});
  return out + t.Render();
}

std::string EventsList(const api::ctl::EventsQueryResult& r) {
  Table t({"time (UTC)", "type", "subscriber", "client", "server", "what"});
  if (r.events.is_array())
    for (const auto& e : r.events) {
      const json& ts = At(e, "ts").is_number() ? At(e, "ts") : At(e, "ts_start");
      const std::string sub = Get(e, "subscriber");
      t.Add({ts.is_number() ? Utc(ts.get<double>()) : "-", Get(e, "type"), sub.empty() ? "-" : sub,
             Endpoint(At(e, "client")), Endpoint(At(e, "server")), EventSummary(e)});
    }
  return "events from " + T(r.store) + ", newest first:\n" + (t.empty() ? "  (none)\n" : t.Render());
}

std::string ComplaintText(const api::ctl::ComplaintResult& r) {
  size_t resolved = 0;
  for (const auto& id : r.ids) resolved += id.resolved;
  std::string out = "complaint (" + T(r.kind) + (r.feedback_type.empty() ? "" : ", feedback type " + T(r.feedback_type)) +
                    "): " + std::to_string(r.ids.size()) + " Message-ID" + (r.ids.size() == 1 ? "" : "s") + ", " +
                    std::to_string(resolved) + " resolved to a subscriber\n";
  Table t({"message_id", "subscriber", "sent (UTC)", "server", "mail_from"});
  for (const auto& id : r.ids)
    t.Add({T(id.message_id), id.resolved ? T(id.subscriber) : "(unresolved: not in the event store)", Utc(id.ts),
           T(id.server), T(id.mail_from)});
  out += t.Render();
  if (!r.actions.empty()) {
    Table a({"threshold", "subscriber", "action", "value", "limit", "result"});
    for (const auto& x : r.actions)
      a.Add({T(x.threshold), T(x.subscriber), T(x.action), T(x.value), T(x.limit), T(x.result)});
    out += "thresholds reached:\n" + a.Render();
  }
  return out + Lines("warnings", r.warnings);
}

std::string Zombies(const api::ctl::ZombiesTopResult& r) {
  Table t({"subscriber", "attempts", "destinations", "hits_today", "complaints_today", "last_seen (UTC)", "quarantined"});
  for (const auto& z : r.subscribers)
    t.Add({T(z.subscriber), T(z.attempts), T(z.destinations), T(z.hits_today), T(z.complaints_today),
           Utc(z.last_seen), z.quarantined ? "yes" : "no"});
  std::string out = "top subscribers by " + T(r.by) + ":\n" + (t.empty() ? "  (none)\n" : t.Render());
  if (!r.dataplane_error.empty()) out += "dataplane: " + T(r.dataplane_error) + " (its counts are missing)\n";
  return out;
}

std::string SignatureFiles(const std::vector<api::ctl::SignatureFileInfo>& files) {
  Table t({"file", "signatures", "bytes"});
  for (const auto& f : files) t.Add({T(f.path), T(f.signatures), T(f.bytes)});
  return t.empty() ? "  (none)\n" : t.Render();
}

std::string SignaturesCheck(const api::ctl::SignaturesCheckResult& r) {
  return "signatures are valid: " + T(r.signatures) + " (" + T(r.spam) + " spam, " + T(r.malware) +
         " malware), compiled in " + T(r.compile_ms) + " ms: " + T(r.exact) + " exact, " + T(r.gated) +
         " gated, " + T(r.prefiltered) + " prefiltered; database " + T(r.database_bytes) + " bytes\n" +
         SignatureFiles(r.files);
}

std::string SignaturesShow(const api::ctl::SignaturesShowResult& r) {
  std::string out = "generation " + T(r.generation) + ": " + T(r.signatures) + " signatures" +
                    (r.origin == "override" ? " (pushed by " + T(r.set_by) + " at " + T(r.set_at) +
                                                  "; `spamwallctl signatures clear` returns to the policy file's)"
                                            : std::string()) +
                    "\n" + SignatureFiles(r.files);
  if (!r.dataplane_error.empty()) return out + "samplers: " + T(r.dataplane_error) + "\n";
  Table t({"scan", "count"});
  if (r.scan.is_object())
    for (const auto& [k, v] : r.scan.items()) t.Add({api::ctl::Printable(k, 64), S(v)});
  return out + "samplers (summed):\n" + (t.empty() ? "  (no scans)\n" : t.Render());
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
  if (cmd == n::kWhois) return As<n::WhoisResult>(cmd, r, Whois, out);
  if (cmd == n::kEventsQuery) return As<n::EventsQueryResult>(cmd, r, EventsList, out);
  if (cmd == n::kComplaint) return As<n::ComplaintResult>(cmd, r, ComplaintText, out);
  if (cmd == n::kZombiesTop) return As<n::ZombiesTopResult>(cmd, r, Zombies, out);
  if (cmd == n::kSignaturesCheck) return As<n::SignaturesCheckResult>(cmd, r, SignaturesCheck, out);
  if (cmd == n::kSignaturesShow) return As<n::SignaturesShowResult>(cmd, r, SignaturesShow, out);
  return As<n::OverlayChangeResult>(
      cmd, r, [&](const n::OverlayChangeResult& x) { return OverlayChange(cmd, x); }, out);
}

bool ParseSince(const std::string& text, double* out, std::string* error) {
  if (!text.empty() && text.size() <= 12 && text.find_first_not_of("0123456789.") == std::string::npos &&
      text.find('-') == std::string::npos && std::count(text.begin(), text.end(), '.') <= 1 && text[0] != '.') {
    *out = std::stod(text);
    return true;
  }
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  char sep = 0;
  int used = 0;
  const char* c = text.c_str();
  bool ok = false;
  if (sscanf(c, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3 && used == static_cast<int>(text.size())) ok = true;
  else if (sscanf(c, "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &used) == 6 &&
           used == static_cast<int>(text.size()) && (sep == 'T' || sep == ' '))
    ok = true;
  else if (sscanf(c, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &sec, &used) == 7 &&
           used == static_cast<int>(text.size()) && (sep == 'T' || sep == ' '))
    ok = true;
  if (!ok || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
    *error = "'" + api::ctl::Printable(text, 64) +
             "' is neither unix seconds nor a UTC time YYYY-MM-DD[THH:MM[:SS]]";
    return false;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  *out = static_cast<double>(timegm(&tm));
  return true;
}

}  // namespace spamwall::ctl
