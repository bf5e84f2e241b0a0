// controld's commands (docs/control-protocol.md, "spamwall-controld"): the
// dispatch, argument checks, and the audit record of every mutating request.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "control/controld/command_args.h"
#include "control/controld/overlay_overrides.h"
#include "control/controld/controller.h"
#include "control/controld/policy_diff.h"
#include "control/controld/policy_source.h"
#include "control/policy/policy_loader.h"
#include "ipc/api/controld_api.h"
#include "ipc/api/controld_results.h"
#include "ipc/api/dataplane_api.h"
#include "ipc/api/file_bundle.h"
#include "ipc/api/summary_json.h"

namespace spamwall::controld {

using nlohmann::json;
using proto::Reply;
using proto::Request;

// A request's bundle (file_bundle.h): controld never opens a path a
// client names, it reads the bytes the client sent.
bool BundleArg(const Request& r, api::FileBundle* b, Reply* bad) {
  std::string error;
  if (r.args.contains("path")) {
    *bad = BadArgs(r.cmd + ": controld does not open files a client names: send the file's bytes as a bundle "
                   "(spamwallctl reads them with your rights)");
    return false;
  }
  if (const std::string* k = api::ctl::UnknownKey(r.args, {"bundle"})) {
    *bad = BadArgs(r.cmd + ": unknown argument '" + api::ctl::Printable(*k, 64) + "' (known: bundle)");
    return false;
  }
  if (!api::BundleFromWire(r.args, r.fd.get(), b, &error)) {
    *bad = BadArgs(r.cmd + ": " + error);
    return false;
  }
  return true;
}


// The one dispatch: every command once, with whether it mutates (then it is
// serialized and audited, accepted or refused) and its handler. The
// unknown-command refusal lists the names from here.
const std::vector<Controller::Command>& Controller::Commands() {
  using C = Controller;
  namespace n = api::ctl;
  static const std::vector<Command> table = {
      {n::kHello, kLocksItself, [](C* c, Request&, json*) { return c->Hello(); }},
      {n::kStats, kLocksItself, [](C* c, Request&, json*) { return c->Stats(); }},
      {n::kPolicyReferences, kLocksItself, [](C* c, Request& r, json*) { return c->PolicyReferences(r); }},
      {n::kAuditTail, kLocksItself, [](C* c, Request& r, json*) { return c->AuditTail(r); }},
      {n::kPolicyCheck, kLocksItself, [](C* c, Request& r, json*) { return c->PolicyCheck(r); }},
      {n::kPolicyShow, kLocksItself, [](C* c, Request&, json*) { return c->PolicyShow(); }},
      {n::kQuarantineList, kReads, [](C* c, Request&, json*) { return c->ListQuarantine(); }},
      {n::kExemptList, kReads, [](C* c, Request&, json*) { return c->ListExemptions(); }},
      {n::kPolicyPush, kMutates, [](C* c, Request& r, json* ch) { return c->PolicyPush(r, ch); }},
      {n::kPolicyRollback, kMutates, [](C* c, Request& r, json* ch) { return c->PolicyRollback(r, ch); }},
      // Overlay changes stage onto the batch's overlay (overlay_commands.cc).
      {n::kQuarantineAdd, kOverlay, nullptr, [](C* c, const Request& r, Overlay* o) { return c->QuarantineAddDel(r, true, o); }},
      {n::kQuarantineDel, kOverlay, nullptr, [](C* c, const Request& r, Overlay* o) { return c->QuarantineAddDel(r, false, o); }},
      {n::kExemptAdd, kOverlay, nullptr, [](C* c, const Request& r, Overlay* o) { return c->ExemptAddDel(r, true, o); }},
      {n::kExemptDel, kOverlay, nullptr, [](C* c, const Request& r, Overlay* o) { return c->ExemptAddDel(r, false, o); }},
      {n::kModeSet, kOverlay, nullptr, [](C* c, const Request& r, Overlay* o) { return c->ModeSet(r, o); }},
      {n::kModeClear, kOverlay, nullptr, [](C* c, const Request& r, Overlay* o) { return c->ModeClear(r, o); }},
      // Containment (containment.h): the event store and the thresholds.
      {n::kWhois, kLocksItself, [](C* c, Request& r, json*) { return c->WithContainment([&](Containment* k) { return k->Whois(r); }); }},
      {n::kEventsQuery, kLocksItself, [](C* c, Request& r, json*) { return c->WithContainment([&](Containment* k) { return k->EventsQuery(r); }); }},
      {n::kZombiesTop, kLocksItself, [](C* c, Request& r, json*) { return c->WithContainment([&](Containment* k) { return k->TopZombies(r, c->link_); }); }},
      {n::kSignaturesCheck, kLocksItself, [](C* c, Request& r, json*) { return c->SignaturesCheck(r); }},
      {n::kSignaturesShow, kLocksItself, [](C* c, Request&, json*) { return c->SignaturesShow(); }},
      {n::kSignaturesPush, kOverlay, nullptr, [](C* c, const Request& r, Overlay* o) { return c->SignaturesPush(r, o); }},
      {n::kSignaturesClear, kOverlay, nullptr, [](C* c, const Request& r, Overlay* o) { return c->SignaturesClear(r, o); }},
      {n::kComplaint, kAudited, [](C* c, Request& r, json*) { return c->WithContainment([&](Containment* k) { return k->Complaint(r); }); }},
  };
  return table;
}

Reply Controller::Hello() {
  return Reply::Ok(api::ctl::HelloResult{"spamwall-controld", proto::kProtocolVersion, getpid(),
                                         Counters().generation}
                       .ToJson());
}

Reply Controller::Handle(Request& r) {
  const Command* cmd = nullptr;
  std::string known;
  for (const auto& c : Commands()) {
    if (r.cmd == c.name) cmd = &c;
    known += (known.empty() ? "" : ", ") + std::string(c.name);
  }
  if (cmd == nullptr)
    return BadArgs("unknown command '" + api::ctl::Printable(r.cmd, 64) + "' (known: " + known + ")");
  json changes = json::object();
  if (cmd->kind == kLocksItself) return cmd->run(this, r, &changes);
  if (cmd->kind == kAudited) {
    AuditRecord rec;
    Reply reply;
    {
      std::lock_guard<std::mutex> lock(mu_);  // AuditIntent reads the live generation
      if (!AuditIntent(r, &rec, &reply)) return reply;
    }
    reply = cmd->run(this, r, &changes);
    std::lock_guard<std::mutex> lock(mu_);
    AuditOutcome(&rec, reply, changes);
    return reply;
  }
  if (cmd->kind == kOverlay) return HandleOverlay(r, cmd->stage);
  if (cmd->kind == kReads) {
    std::lock_guard<std::mutex> lock(mu_);
    return cmd->run(this, r, &changes);
  }
  std::lock_guard<std::mutex> change(change_mu_);

  // Mutating: one at a time, and every one audited, accepted, refused or
  // malformed: the intent is on disk before anything can change.
  pending_user_ = r.peer.user;
  AuditRecord rec;
  Reply reply;
  if (!AuditIntent(r, &rec, &reply)) return reply;
  if (SettleInDoubt(&reply)) reply = cmd->run(this, r, &changes);
  AuditOutcome(&rec, reply, changes);
  return reply;
}

bool Controller::AuditIntent(const Request& r, AuditRecord* rec, Reply* refusal) {
  rec->time = std::chrono::system_clock::now();
  rec->phase = "intent";
  rec->id = audit_->NextId();
  rec->peer = r.peer;
  rec->cmd = r.cmd;
  rec->args = CappedArgs(r.args);
  rec->generation = current_ ? current_->generation : 0;
  std::string error;
  if (audit_->Append(*rec, &error)) return true;
  fprintf(stderr, "spamwall-controld: %s: %s refused\n", error.c_str(), r.cmd.c_str());
  *refusal = Reply::Error(proto::kUnavailable, "cannot write the audit log (" + error + "): nothing was changed");
  return false;
}

void Controller::AuditOutcome(AuditRecord* rec, const Reply& reply, const json& changes) {
  rec->time = std::chrono::system_clock::now();
  rec->phase = "outcome";
  rec->result = reply.ok() ? "ok" : reply.code + ": " + reply.message.substr(0, 1024);
  rec->generation = current_ ? current_->generation : 0;
  rec->changes = changes;
  std::string error;
  // The intent is recorded (and the room for this line reserved with it); a
  // lost outcome is still reported, not hidden.
  if (!audit_->Append(*rec, &error))
    fprintf(stderr, "spamwall-controld: %s: the outcome of %s (%s) is missing; its intent is recorded\n",
            error.c_str(), rec->cmd.c_str(), rec->result.c_str());
}

bool Controller::SettleInDoubt(Reply* refusal) {
  // A change builds on the live generation: first learn whether the one in
  // doubt went live.
  std::string why;
  if (!in_doubt_ || (Reconcile(&why) && !in_doubt_)) return true;
  *refusal = Reply::Error(proto::kUnavailable,
                          "generation " + std::to_string(in_doubt_->generation) +
                              " was sent and not answered, and it is not yet known whether it went live" +
                              (why.empty() ? std::string(" (the dataplane answers again; a few seconds)")
                                           : " (" + why + ")") +
                              ": no change until then; try again");
  return false;
}

Reply Controller::PolicyReferences(const Request& r) {
  api::FileBundle b;
  Reply bad;
  if (!BundleArg(r, &b, &bad)) return bad;
  Diagnostics diag;
  std::vector<std::string> referenced;
  LoadBundle(b, &diag, &referenced);  // errors are for check and push to report
  api::ctl::ReferencesResult res;
  std::set<std::string> seen;
  for (const auto& f : referenced)
    if (seen.insert(f).second) res.files.push_back(f);
  return Reply::Ok(res.ToJson());
}

Reply Controller::PolicyCheck(const Request& r) {
  api::FileBundle b;
  Reply bad;
  if (!BundleArg(r, &b, &bad)) return bad;
  const std::string path = b.files[0].path;
  Diagnostics diag;
  std::optional<Policy> file = LoadBundle(b, &diag);
  api::ctl::CheckResult res;
  res.path = path;
  // Judged against a copy of the live overlay and keys: the compile holds no lock.
  Overlay overlay;
  std::shared_ptr<const PolicyKeys> live_keys;
  {
    std::lock_guard<std::mutex> lock(mu_);
    overlay = overlay_;
    if (current_) live_keys = current_->keys;
  }
  for (const auto& w : diag.warnings) res.warnings.push_back(w.ToString());
  if (!file) {
    res.errors = ErrorLines(diag);
    return Reply::Ok(res.ToJson());
  }
  Built built;
  Reply refusal;
  if (!Build(*file, overlay, path, &built, &refusal)) {
    res.errors = built.errors;  // resource limits, an invalid overlay
    return Reply::Ok(res.ToJson());
  }
  res.valid = true;
  for (const auto& w : built.record.warnings) res.warnings.push_back(w);
  for (const auto& w : FileWarnings(*file, overlay)) res.warnings.push_back(w);
  res.mode = {ModeName(file->mode), ModeName(built.record.merged.mode)};
  res.diff = PolicyDiff(live_keys.get(), *KeysFor(&built.record));
  res.summary = SummaryMap(built.record.summary);
  res.compile_ms = built.compile_ms;
  return Reply::Ok(res.ToJson());
}

Reply Controller::PolicyPush(const Request& r, nlohmann::json* changes) {
  api::FileBundle b;
  Reply bad;
  if (!BundleArg(r, &b, &bad)) return bad;
  const std::string path = b.files[0].path;
  const auto t0 = std::chrono::steady_clock::now();
  Diagnostics diag;
  std::optional<Policy> file = LoadBundle(b, &diag);
  const double load_ms = MsSince(t0);
  if (!file) {
    CountPush("refused");
    return Reply::Error(proto::kRefused, RefusalMessage(ErrorLines(diag)));
  }
  Built built;
  Reply refusal;
  if (!Build(std::move(*file), overlay_, path, &built, &refusal)) {
    CountPush("refused");
    return refusal;
  }
  for (const auto& w : diag.warnings) built.record.warnings.insert(built.record.warnings.begin(), w.ToString());
  for (auto& w : FileWarnings(built.record.file_policy, overlay_)) built.record.warnings.push_back(std::move(w));
  nlohmann::json dp;
  if (!Commit(std::move(built.record), *built.compiled, "spamwallctl policy push " + path + " by " + r.peer.user,
              &dp, &refusal, &built.image_ms))
    return refusal;
  const double live_ms = MsSince(t0);  // the dataplane runs it from here on
  // What changed, for the reply and the audit log: after the swap, so it
  // does not delay it (the previous record's keys are kept from its push).
  api::ctl::PushResult res;
  res.changes = ChangedLists(PolicyDiff(KeysFor(previous_ ? &*previous_ : nullptr), *KeysFor(&*current_)));
  res.total_ms = MsSince(t0);
  SetLastPushSeconds(live_ms / 1000);
  *changes = res.changes.ToJson();
  res.generation = current_->generation;
  res.previous_generation = previous_ ? previous_->generation : 0;
  res.source = path;
  res.load_ms = load_ms;
  res.compile_ms = built.compile_ms;
  res.image_ms = built.image_ms;
  res.dataplane = dp;
  res.live_ms = live_ms;
  res.warnings = current_->warnings;
  return Reply::Ok(res.ToJson());
}

Reply Controller::PolicyRollback(const Request& r, nlohmann::json* changes) {
  api::ctl::PolicyRollbackArgs args;
  Reply bad;
  if (!ParseArgs(r, &args, &bad)) return bad;
  if (!current_) return Reply::Error(proto::kRefused, "no policy is live: nothing to roll back");
  const uint64_t from = current_->generation;
  if (args.to == from)
    return Reply::Error(proto::kRefused, "generation " + std::to_string(from) + " is the live one");
  if (!args.to && !previous_) return Reply::Error(proto::kRefused, "no previous generation to roll back to");
  const uint64_t restored = args.to ? args.to : previous_->generation;
  const auto t0 = std::chrono::steady_clock::now();
  // Its record and tables come back from its saved image, under a new number.
  std::unique_ptr<CompiledPolicy> compiled;
  std::string error;
  const std::vector<uint64_t> list = store_.List();
  std::string saved;
  for (uint64_t g : list) saved += (saved.empty() ? "" : " ") + std::to_string(g);
  if (std::find(list.begin(), list.end(), restored) == list.end())
    return Reply::Error(proto::kRefused, "cannot roll back to generation " + std::to_string(restored) +
                                             ": it is not saved (saved generations: " + saved + ")");
  std::optional<PolicyRecord> back = LoadRecord(restored, &error, &compiled);
  if (!back)
    return Reply::Error(proto::kRefused, "cannot roll back to generation " + std::to_string(restored) + ": " +
                                             error + " (saved generations: " + saved + ")");
  const api::ctl::PolicyDiffCounts diff = PolicyDiff(KeysFor(&*current_), *KeysFor(&*back));
  nlohmann::json dp;
  Reply refusal;
  if (!Commit(*back, *compiled, "spamwallctl policy rollback to generation " + std::to_string(restored) +
                                    " by " + pending_user_, &dp, &refusal))
    return refusal;
  // The overlay goes back with the policy it was compiled with.
  {
    std::lock_guard<std::mutex> lock(mu_);
    overlay_ = current_->overlay;
  }
  if (!SaveOverlay(OverlayPath(), overlay_, &error))
    fprintf(stderr, "spamwall-controld: %s (the generation image keeps the overlay)\n", error.c_str());
  SetLastPushSeconds(MsSince(t0) / 1000);
  api::ctl::RollbackResult res;
  res.changes = ChangedLists(diff);
  *changes = res.changes.ToJson();
  res.generation = current_->generation;
  res.rolled_back_from = from;
  res.restored_generation = restored;
  res.source = current_->source;
  res.dataplane = dp;
  res.total_ms = MsSince(t0);
  return Reply::Ok(res.ToJson());
}

api::ctl::GenerationRecord Controller::RecordOf(const PolicyRecord& r) const {
  api::ctl::GenerationRecord g;
  g.generation = r.generation;
  g.source = r.source;
  g.mode = ModeName(r.merged.mode);
  g.file_mode = ModeName(r.file_policy.mode);
  g.compiled_on = FormatDay(r.compiled_on);
  g.pushed_by = r.pushed_by;
  g.pushed_at = r.pushed_at;
  g.on_dataplane = r.on_dataplane;
  g.digest = r.digest;
  g.summary = SummaryMap(r.summary);
  g.warnings = r.warnings;
  return g;
}

Reply Controller::PolicyShow() {
  api::ctl::ShowResult res;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (current_) res.current = RecordOf(*current_);
    if (previous_) res.previous = RecordOf(*previous_);
    if (in_doubt_) res.in_doubt = RecordOf(*in_doubt_);
    res.start_warnings = start_warnings_;
    res.saved_generations = store_.List();
    res.overlay = OverlayToJson(overlay_, false);
    res.mode = ModeOf();
    if (current_) res.overrides = OverrideInfos(OverlayOverrides(current_->file_policy, overlay_));
    res.state_dir = cfg_.state_dir;
    res.dataplane_socket = link_->path();
  }
  // The dataplane is asked without the lock.
  nlohmann::json reply;
  std::string error;
  if (link_->Call(api::dp::kPolicyShow, nlohmann::json::object(), &reply, &error) && reply.value("ok", false))
    res.dataplane = reply["result"];
  else
    res.dataplane_error = error.empty() ? proto::ReplyError(reply) : error;
  return Reply::Ok(res.ToJson());
}

Reply Controller::Stats() {
  nlohmann::json reply;
  std::string error;
  if (!link_->Call(api::dp::kStats, nlohmann::json::object(), &reply, &error))
    return Reply::Error(proto::kUnavailable, error);
  if (!reply.value("ok", false))
    return Reply::Error(proto::kInternal, "the dataplane answered stats with: " + proto::ReplyError(reply));
  api::ctl::StatsResult res;
  res.dataplane = reply["result"];
  StatsSample s = sampler_ ? sampler_->Last() : StatsSample{};
  res.packets_per_s = s.packets_per_s;
  res.controld_generation = Counters().generation;
  std::lock_guard<std::mutex> lock(mu_);
  res.mode_origin = ModeOf();
  return Reply::Ok(res.ToJson());
}

Reply Controller::ListQuarantine() {
  api::ctl::QuarantineListResult res;
  for (const auto& q : overlay_.quarantine) res.entries.push_back({q, "overlay"});
  if (current_)
    for (const auto& e : current_->file_policy.quarantine) res.entries.push_back({FormatPrefix(e.prefix), "policy"});
  return Reply::Ok(res.ToJson());
}

Reply Controller::ListExemptions() {
  api::ctl::ExemptListResult res;
  const Day today = TodayUtc();
  auto add = [&](const std::string& p, const std::string& o, const std::string& why, const std::string& exp,
                 const char* origin, const ChangeOrigin& added) {
    Day d = 0;
    ParseDay(exp, &d);  // checked when it was added
    res.entries.push_back({p, o, why, exp, std::string(ExemptionState(d, today)), d < today ? 0 : d - today + 1,
                           origin, added.by, added.at});
  };
  for (const auto& x : overlay_.exemptions) add(x.prefix, x.owner, x.reason, x.expires, "overlay", x.added);
  if (current_)
    for (const auto& e : current_->file_policy.exemptions)
      add(FormatPrefix(e.prefix), e.owner, e.reason, e.expires_text, "policy", ChangeOrigin{});
  res.today = FormatDay(today);
  return Reply::Ok(res.ToJson());
}

std::optional<api::ctl::ModeInfo> Controller::ModeOf() const {
  if (!current_) return std::nullopt;
  api::ctl::ModeInfo m{ModeName(current_->merged.mode), ModeName(current_->file_policy.mode),
                       overlay_.mode ? "override" : "file"};
  if (overlay_.mode) m.set_by = overlay_.mode_set.by, m.set_at = overlay_.mode_set.at;
  return m;
}

std::optional<std::string> Controller::TooWide(const Prefix& p) const {
  const int max = p.family == 4 ? cfg_.max_exemption_len_v4 : cfg_.max_exemption_len_v6;
  if (p.length >= max) return std::nullopt;
  return "exemption " + FormatPrefix(p) + " is wider than /" + std::to_string(max) + " (controld's max_exemption_v" +
         (p.family == 4 ? "4" : "6") + ")";
}

std::vector<std::string> Controller::FileWarnings(const Policy& file, const Overlay& overlay) const {
  std::vector<std::string> w = OverrideWarnings(file, overlay);
  for (const auto& e : file.exemptions)
    if (std::optional<std::string> wide = TooWide(e.prefix))
      w.push_back(file.files[e.loc.file] + ":" + std::to_string(e.loc.line) + ":" + std::to_string(e.loc.column) +
                  ": " + *wide + " (owner " + e.owner + ")");
  return w;
}

Reply Controller::AuditTail(const Request& r) {
  api::ctl::AuditTailArgs args;
  Reply bad;
  if (!ParseArgs(r, &args, &bad)) return bad;
  AuditQuery q;
  q.n = static_cast<size_t>(args.n);
  q.user = args.user;
  q.since = args.since;
  q.max_bytes = static_cast<size_t>(args.max_bytes);
  AuditTailResult tail;
  std::string error;
  if (!audit_->Tail(q, &tail, &error)) return Reply::Error(proto::kUnavailable, error);
  return Reply::Ok(api::ctl::AuditTailResult{audit_->path(), tail.records, tail.budget_hit}.ToJson());
}

}  // namespace spamwall::controld
