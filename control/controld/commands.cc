// controld's commands (docs/control-protocol.md, "spamwall-controld"): the
// dispatch, argument checks, and the audit record of every mutating request.
#include <unistd.h>

#include <chrono>
#include <map>

#include "control/controld/controller.h"
#include "control/controld/policy_diff.h"
#include "control/policy/policy_loader.h"
#include "ipc/api/controld_api.h"
#include "ipc/api/dataplane_api.h"
#include "ipc/api/summary_json.h"

namespace spamwall::controld {

using nlohmann::json;
using proto::Reply;
using proto::Request;

namespace {

Reply BadArgs(const std::string& m) { return Reply::Error(proto::kBadRequest, m); }

// A required string argument.
bool StringArg(const Request& r, const char* key, std::string* out, Reply* bad) {
  if (!r.args.contains(key) || !r.args[key].is_string()) {
    *bad = BadArgs(r.cmd + ": argument '" + key + "' (a string) is required");
    return false;
  }
  *out = r.args[key].get<std::string>();
  return true;
}

bool PathArg(const Request& r, std::string* path, Reply* bad) {
  if (!StringArg(r, "path", path, bad)) return false;
  if (path->empty() || (*path)[0] != '/') {
    *bad = BadArgs(r.cmd + ": 'path' must be absolute (spamwallctl resolves it), not '" + *path + "'");
    return false;
  }
  return true;
}

}  // namespace

// The one dispatch: every command once, with whether it mutates (then it is
// serialized and audited, accepted or refused) and its handler. The
// unknown-command refusal lists the names from here.
const std::vector<Controller::Command>& Controller::Commands() {
  using C = Controller;
  namespace n = api::ctl;
  static const std::vector<Command> table = {
      {n::kHello, kReadsNoState, [](C* c, Request&, json*) { return c->Hello(); }},
      {n::kStats, kReadsNoState, [](C* c, Request&, json*) { return c->Stats(); }},
      {n::kAuditTail, kReadsNoState, [](C* c, Request& r, json*) { return c->AuditTail(r); }},
      {n::kPolicyCheck, kReads, [](C* c, Request& r, json*) { return c->PolicyCheck(r); }},
      {n::kPolicyShow, kReads, [](C* c, Request&, json*) { return c->PolicyShow(); }},
      {n::kQuarantineList, kReads, [](C* c, Request&, json*) { return c->ListQuarantine(); }},
      {n::kExemptList, kReads, [](C* c, Request&, json*) { return c->ListExemptions(); }},
      {n::kPolicyPush, kMutates, [](C* c, Request& r, json* ch) { return c->PolicyPush(r, ch); }},
      {n::kPolicyRollback, kMutates, [](C* c, Request& r, json* ch) { return c->PolicyRollback(r, ch); }},
      {n::kQuarantineAdd, kMutates, [](C* c, Request& r, json* ch) { return c->QuarantineAddDel(r, true, ch); }},
      {n::kQuarantineDel, kMutates, [](C* c, Request& r, json* ch) { return c->QuarantineAddDel(r, false, ch); }},
      {n::kExemptAdd, kMutates, [](C* c, Request& r, json* ch) { return c->ExemptAddDel(r, true, ch); }},
      {n::kExemptDel, kMutates, [](C* c, Request& r, json* ch) { return c->ExemptAddDel(r, false, ch); }},
      {n::kModeSet, kMutates, [](C* c, Request& r, json* ch) { return c->ModeSet(r, ch); }},
  };
  return table;
}

Reply Controller::Hello() {
  return Reply::Ok({{"process", "spamwall-controld"},
                    {"protocol", proto::kProtocolVersion},
                    {"pid", getpid()},
                    {"generation", Counters().generation}});
}

Reply Controller::Handle(Request& r) {
  const Command* cmd = nullptr;
  std::string known;
  for (const auto& c : Commands()) {
    if (r.cmd == c.name) cmd = &c;
    known += (known.empty() ? "" : ", ") + std::string(c.name);
  }
  if (cmd == nullptr) return BadArgs("unknown command '" + r.cmd + "' (known: " + known + ")");
  json changes = json::object();
  if (cmd->kind == kReadsNoState) return cmd->run(this, r, &changes);
  std::lock_guard<std::mutex> lock(mu_);
  if (cmd->kind == kReads) return cmd->run(this, r, &changes);

  // Mutating: one at a time, and every one audited, accepted or refused.
  pending_user_ = r.peer.user;
  Reply reply;
  std::string why;
  // A change builds on the live generation: first learn whether the one in
  // doubt went live.
  if (in_doubt_ && (!Reconcile(&why) || in_doubt_)) {
    reply = Reply::Error(proto::kUnavailable,
                         "generation " + std::to_string(in_doubt_->generation) +
                             " was sent and not answered, and it is not yet known whether it went live" +
                             (why.empty() ? std::string(" (the dataplane answers again; a few seconds)")
                                          : " (" + why + ")") +
                             ": no change until then; try again");
  } else {
    reply = cmd->run(this, r, &changes);
  }

  AuditRecord rec;
  rec.time = std::chrono::system_clock::now();
  rec.peer = r.peer;
  rec.cmd = r.cmd;
  rec.args = r.args;
  rec.result = reply.ok() ? "ok" : reply.code + ": " + reply.message;
  rec.generation = current_ ? current_->generation : 0;
  rec.changes = changes;
  std::string error;
  if (!audit_->Append(rec, &error)) fprintf(stderr, "spamwall-controld: %s\n", error.c_str());
  return reply;
}

Reply Controller::PolicyCheck(const Request& r) {
  std::string path;
  Reply bad;
  if (!PathArg(r, &path, &bad)) return bad;
  Diagnostics diag;
  std::optional<Policy> file = LoadPolicyFile(path, &diag);
  nlohmann::json res = {{"path", path}};
  auto list = [](const std::vector<Diagnostic>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& d : v) a.push_back(d.ToString());
    return a;
  };
  Built built;
  if (file) {
    Reply refusal;
    if (Build(*file, overlay_, path, &built, &refusal)) {
      res["valid"] = true;
      res["errors"] = nlohmann::json::array();
      nlohmann::json warnings = list(diag.warnings);
      for (const auto& w : built.record.warnings) warnings.push_back(w);
      res["warnings"] = warnings;
      res["diff"] = PolicyDiff(KeysFor(current_ ? &*current_ : nullptr), *KeysFor(&built.record));
      res["summary"] = SummaryJson(built.record.summary);
      res["compile_ms"] = built.compile_ms;
      return Reply::Ok(res);
    }
    // Build failures (resource limits, an invalid overlay).
    res["valid"] = false;
    res["errors"] = built.errors;
    res["warnings"] = list(diag.warnings);
    return Reply::Ok(res);
  }
  res["valid"] = false;
  res["errors"] = ErrorLines(diag);
  res["warnings"] = list(diag.warnings);
  return Reply::Ok(res);
}

Reply Controller::PolicyPush(const Request& r, nlohmann::json* changes) {
  std::string path;
  Reply bad;
  if (!PathArg(r, &path, &bad)) return bad;
  const auto t0 = std::chrono::steady_clock::now();
  Diagnostics diag;
  std::optional<Policy> file = LoadPolicyFile(path, &diag);
  const double load_ms = MsSince(t0);
  if (!file) {
    counters_.pushes["refused"]++;
    return Reply::Error(proto::kRefused, RefusalMessage(ErrorLines(diag)));
  }
  Built built;
  Reply refusal;
  if (!Build(std::move(*file), overlay_, path, &built, &refusal)) {
    counters_.pushes["refused"]++;
    return refusal;
  }
  for (const auto& w : diag.warnings) built.record.warnings.insert(built.record.warnings.begin(), w.ToString());
  nlohmann::json dp;
  if (!Commit(std::move(built.record), *built.compiled, "spamwallctl policy push " + path + " by " + r.peer.user,
              &dp, &refusal, &built.image_ms))
    return refusal;
  const double live_ms = MsSince(t0);  // the dataplane runs it from here on
  // What changed, for the reply and the audit log: after the swap, so it
  // does not delay it (the previous record's keys are kept from its push).
  nlohmann::json diff = PolicyDiff(KeysFor(previous_ ? &*previous_ : nullptr), *KeysFor(&*current_));
  const double total_ms = MsSince(t0);
  counters_.last_push_seconds = live_ms / 1000;
  *changes = ChangedLists(diff);
  return Reply::Ok({{"generation", current_->generation},
                    {"previous_generation", previous_ ? previous_->generation : 0},
                    {"source", path},
                    {"load_ms", load_ms},
                    {"compile_ms", built.compile_ms},
                    {"image_ms", built.image_ms},
                    {"dataplane", dp},
                    {"live_ms", live_ms},
                    {"total_ms", total_ms},
                    {"warnings", current_->warnings},
                    {"changes", *changes}});
}

Reply Controller::PolicyRollback(const Request&, nlohmann::json* changes) {
  if (!previous_) return Reply::Error(proto::kRefused, "no previous generation to roll back to");
  const auto t0 = std::chrono::steady_clock::now();
  PolicyRecord back = *previous_;
  const uint64_t from = current_->generation, restored = back.generation;
  // Its tables come back from its saved image, under a new number.
  std::unique_ptr<CompiledPolicy> compiled;
  std::string error;
  if (!LoadRecord(restored, &error, &compiled))
    return Reply::Error(proto::kRefused, "cannot roll back to generation " + std::to_string(restored) +
                                             ": " + error);
  nlohmann::json diff = PolicyDiff(KeysFor(&*current_), *KeysFor(&back));
  nlohmann::json dp;
  Reply refusal;
  if (!Commit(back, *compiled, "spamwallctl policy rollback to generation " + std::to_string(restored) +
                                   " by " + pending_user_, &dp, &refusal))
    return refusal;
  // The overlay goes back with the policy it was compiled with.
  overlay_ = current_->overlay;
  if (!SaveOverlay(OverlayPath(), overlay_, &error))
    fprintf(stderr, "spamwall-controld: %s (the generation image keeps the overlay)\n", error.c_str());
  counters_.last_push_seconds = MsSince(t0) / 1000;
  *changes = ChangedLists(diff);
  return Reply::Ok({{"generation", current_->generation},
                    {"rolled_back_from", from},
                    {"restored_generation", restored},
                    {"source", current_->source},
                    {"dataplane", dp},
                    {"total_ms", MsSince(t0)},
                    {"changes", *changes}});
}

nlohmann::json Controller::RecordJson(const PolicyRecord& r) const {
  return {{"generation", r.generation}, {"source", r.source},
          {"mode", ModeName(r.merged.mode)}, {"pushed_by", r.pushed_by},
          {"pushed_at", r.pushed_at},   {"on_dataplane", r.on_dataplane},
          {"digest", r.digest},
          {"summary", SummaryJson(r.summary)}, {"warnings", r.warnings}};
}

Reply Controller::PolicyShow() {
  nlohmann::json res = {{"current", current_ ? RecordJson(*current_) : nlohmann::json(nullptr)},
                        {"previous", previous_ ? RecordJson(*previous_) : nlohmann::json(nullptr)},
                        {"in_doubt", in_doubt_ ? RecordJson(*in_doubt_) : nlohmann::json(nullptr)},
                        {"start_warnings", start_warnings_},
                        {"saved_generations", store_.List()},
                        {"overlay", OverlayToJson(overlay_)},
                        {"state_dir", cfg_.state_dir},
                        {"dataplane_socket", link_->path()}};
  nlohmann::json reply;
  std::string error;
  if (link_->Call(api::dp::kPolicyShow, nlohmann::json::object(), &reply, &error) && reply.value("ok", false))
    res["dataplane"] = reply["result"];
  else
    res["dataplane_error"] = error.empty() ? proto::ReplyError(reply) : error;
  return Reply::Ok(res);
}

Reply Controller::Stats() {
  nlohmann::json reply;
  std::string error;
  if (!link_->Call(api::dp::kStats, nlohmann::json::object(), &reply, &error))
    return Reply::Error(proto::kUnavailable, error);
  if (!reply.value("ok", false))
    return Reply::Error(proto::kInternal, "the dataplane answered stats with: " + proto::ReplyError(reply));
  nlohmann::json res = reply["result"];
  StatsSample s = sampler_ ? sampler_->Last() : StatsSample{};
  res["packets_per_s"] = s.packets_per_s;
  res["controld_generation"] = Counters().generation;
  return Reply::Ok(res);
}

Reply Controller::OverlayChange(const Request& r, Overlay next, nlohmann::json* changes) {
  if (!current_)
    return Reply::Error(proto::kRefused,
                        "no policy is loaded yet: push one first (spamwallctl policy push FILE)");
  const auto t0 = std::chrono::steady_clock::now();
  Built built;
  Reply refusal;
  if (!Build(current_->file_policy, next, current_->source, &built, &refusal)) return refusal;
  nlohmann::json diff = PolicyDiff(KeysFor(&*current_), *KeysFor(&built.record));
  nlohmann::json dp;
  // Nothing is kept unless it was saved and the dataplane took it:
  // overlay_ changes only now.
  if (!Commit(std::move(built.record), *built.compiled,
              "spamwallctl " + r.cmd + " " + r.args.dump() + " by " + r.peer.user, &dp, &refusal))
    return refusal;
  overlay_ = std::move(next);
  std::string error;
  // A readable copy; the truth is the generation's image, saved before the push.
  if (!SaveOverlay(OverlayPath(), overlay_, &error))
    fprintf(stderr, "spamwall-controld: %s (generation %llu keeps the overlay)\n", error.c_str(),
            static_cast<unsigned long long>(current_->generation));
  counters_.last_push_seconds = MsSince(t0) / 1000;
  *changes = ChangedLists(diff);
  return Reply::Ok({{"generation", current_->generation},
                    {"dataplane", dp},
                    {"total_ms", MsSince(t0)},
                    {"changes", *changes},
                    {"overlay", OverlayToJson(overlay_)}});
}

Reply Controller::QuarantineAddDel(const Request& r, bool add, nlohmann::json* changes) {
  std::string addr, norm, error;
  Reply bad;
  if (!StringArg(r, "addr", &addr, &bad)) return bad;
  if (!CheckQuarantineEntry(addr, &norm, &error)) return Reply::Error(proto::kRefused, error);
  Overlay next = overlay_;
  auto it = std::find(next.quarantine.begin(), next.quarantine.end(), norm);
  if (add) {
    if (it != next.quarantine.end())
      return Reply::Error(proto::kRefused, norm + " is already in the runtime quarantine");
    next.quarantine.push_back(norm);
  } else {
    if (it == next.quarantine.end())
      return Reply::Error(proto::kRefused, norm + " is not in the runtime quarantine" +
                                               " (entries of the policy file are removed in the file)");
    next.quarantine.erase(it);
  }
  return OverlayChange(r, std::move(next), changes);
}

Reply Controller::ExemptAddDel(const Request& r, bool add, nlohmann::json* changes) {
  std::string prefix, error;
  Reply bad;
  if (!StringArg(r, "prefix", &prefix, &bad)) return bad;
  Overlay next = overlay_;
  if (add) {
    OverlayExemption e{prefix, r.args.value("owner", ""), r.args.value("reason", ""),
                       r.args.value("expires", "")};
    for (const char* k : {"owner", "reason", "expires"})
      if (r.args.contains(k) && !r.args[k].is_string()) return BadArgs(std::string("exempt.add: '") + k + "' must be a string");
    if (!CheckExemption(&e, TodayUtc(), &error)) return Reply::Error(proto::kRefused, error);
    for (const auto& x : next.exemptions)
      if (x.prefix == e.prefix)
        return Reply::Error(proto::kRefused, "an exemption for " + e.prefix +
                                                 " is already in the overlay (owner " + x.owner +
                                                 "): delete it first");
    next.exemptions.push_back(e);
  } else {
    std::string norm;
    if (!CheckQuarantineEntry(prefix, &norm, &error))
      return Reply::Error(proto::kRefused, "exemption: " + error.substr(error.find(' ') + 1));
    auto it = std::find_if(next.exemptions.begin(), next.exemptions.end(),
                           [&](const OverlayExemption& x) { return x.prefix == norm; });
    if (it == next.exemptions.end())
      return Reply::Error(proto::kRefused, "no runtime exemption for " + norm +
                                               " (exemptions of the policy file are removed in the file)");
    next.exemptions.erase(it);
  }
  return OverlayChange(r, std::move(next), changes);
}

Reply Controller::ModeSet(const Request& r, nlohmann::json* changes) {
  std::string mode;
  Reply bad;
  if (!StringArg(r, "mode", &mode, &bad)) return bad;
  PolicyMode m;
  if (!ParseMode(mode, &m))
    return BadArgs("mode.set: mode must be 'enforce' or 'monitor', not '" + mode + "'");
  Overlay next = overlay_;
  next.mode = m;
  return OverlayChange(r, std::move(next), changes);
}

Reply Controller::ListQuarantine() {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& q : overlay_.quarantine) entries.push_back({{"addr", q}, {"origin", "overlay"}});
  if (current_)
    for (const auto& e : current_->file_policy.quarantine)
      entries.push_back({{"addr", FormatPrefix(e.prefix)}, {"origin", "policy"}});
  return Reply::Ok({{"entries", entries}});
}

Reply Controller::ListExemptions() {
  nlohmann::json entries = nlohmann::json::array();
  auto add = [&](const std::string& p, const std::string& o, const std::string& why,
                 const std::string& exp, const char* origin) {
    entries.push_back({{"prefix", p}, {"owner", o}, {"reason", why}, {"expires", exp}, {"origin", origin}});
  };
  for (const auto& x : overlay_.exemptions) add(x.prefix, x.owner, x.reason, x.expires, "overlay");
  if (current_)
    for (const auto& e : current_->file_policy.exemptions)
      add(FormatPrefix(e.prefix), e.owner, e.reason, e.expires_text, "policy");
  return Reply::Ok({{"entries", entries}});
}

Reply Controller::AuditTail(const Request& r) {
  int64_t n = 20;
  if (r.args.contains("n")) {
    if (!r.args["n"].is_number_integer() || r.args["n"].get<int64_t>() < 1 ||
        r.args["n"].get<int64_t>() > 100000)
      return BadArgs("audit.tail: 'n' must be an integer 1..100000");
    n = r.args["n"].get<int64_t>();
  }
  std::string error;
  auto lines = audit_->Tail(static_cast<size_t>(n), &error);
  if (!error.empty()) return Reply::Error(proto::kInternal, error);
  return Reply::Ok({{"path", audit_->path()}, {"records", lines}});
}

}  // namespace spamwall::controld
