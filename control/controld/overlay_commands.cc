// The overlay commands (quarantine add|del, exempt add|del, mode), one
// compile per batch: each request is audited and checked on its own, in
// arrival order, against the overlay the requests before it left; the
// accepted ones become one generation. Requests that arrive while a change
// is being compiled, or within kCoalesceWindow of the first, share the next
// compile, so many small changes do not cost one compile, save and swap
// each.
#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <thread>
#include <unordered_set>

#include "control/controld/command_args.h"
#include "control/controld/controller.h"
#include "control/controld/overlay_overrides.h"
#include "control/policy/policy_loader.h"
#include "ipc/api/controld_api.h"
#include "ipc/api/file_bundle.h"

namespace spamwall::controld {

using nlohmann::json;
using proto::Reply;
using proto::Request;

namespace {

constexpr auto kCoalesceWindow = std::chrono::milliseconds(3);

// The entries of a bulk request's one file, or the refusal (capped).
bool BulkEntries(const Request& r, std::vector<std::pair<uint32_t, std::string>>* entries, Reply* bad) {
  std::string error;
  api::FileBundle b;
  if (!api::BundleFromWire(r.args, r.fd.get(), &b, &error)) {
    *bad = BadArgs(r.cmd + ": " + error);
    return false;
  }
  std::vector<std::string> errors;
  if (!ParseEntryLines(b.files[0].path, b.files[0].bytes, entries, &errors)) {
    std::string m = r.cmd + " refused (nothing was changed):";
    for (const auto& e : errors) m += "\n" + e;
    *bad = Reply::Error(proto::kRefused, m);
    return false;
  }
  if (entries->empty()) {
    *bad = Reply::Error(proto::kRefused, b.files[0].path + ": no entries");
    return false;
  }
  return true;
}

// At most this many per-entry refusals in one reply.
constexpr size_t kMaxRefusalLines = 100;

// "refused" with one line per problem, capped ("and N more").
Reply EntryRefusal(const std::string& head, const std::vector<std::string>& lines) {
  std::string m = head;
  for (size_t i = 0; i < lines.size() && i < kMaxRefusalLines; i++) m += "\n" + lines[i];
  if (lines.size() > kMaxRefusalLines) m += "\nand " + std::to_string(lines.size() - kMaxRefusalLines) + " more";
  return Reply::Error(proto::kRefused, m);
}

// Membership in a list: a scan for a few names, a set for a bulk file.
class Membership {
 public:
  Membership(const std::vector<std::string>& list, size_t queries) : list_(list) {
    if (queries > 16) set_.insert(list.begin(), list.end()), use_set_ = true;
  }
  bool Has(const std::string& s) const {
    return use_set_ ? set_.count(s) > 0 : std::find(list_.begin(), list_.end(), s) != list_.end();
  }

 private:
  const std::vector<std::string>& list_;
  std::unordered_set<std::string> set_;
  bool use_set_ = false;
};

}  // namespace

Reply Controller::HandleOverlay(Request& r, StageFn stage) {
  PendingChange me{&r, stage};
  {
    std::lock_guard<std::mutex> q(pending_mu_);
    pending_.push_back(&me);
  }
  std::lock_guard<std::mutex> change(change_mu_);
  // Handled by the batch of a request that held change_mu_ before this one.
  if (me.done) return me.reply;
  // The others of a burst are on their way: let them join this compile.
  std::this_thread::sleep_for(kCoalesceWindow);
  std::vector<PendingChange*> batch;
  {
    std::lock_guard<std::mutex> q(pending_mu_);
    batch.swap(pending_);
  }
  RunOverlayBatch(batch);
  return me.reply;
}

void Controller::RunOverlayBatch(const std::vector<PendingChange*>& batch) {
  const auto t0 = std::chrono::steady_clock::now();
  Overlay next = overlay_;
  std::vector<PendingChange*> staged;
  std::vector<AuditRecord> recs(batch.size());
  Reply settle;
  const bool settled = SettleInDoubt(&settle);
  std::set<std::string> users;
  for (size_t i = 0; i < batch.size(); i++) {
    PendingChange* p = batch[i];
    p->done = true;
    p->audit = &recs[i];
    if (!AuditIntent(*p->req, p->audit, &p->reply)) {
      p->audit = nullptr;  // nothing was recorded, nothing is done
      continue;
    }
    if (!settled) {
      p->reply = settle;
    } else {
      // Staged onto `next` only when the whole request is good; its
      // arguments are judged before anything else.
      p->reply = p->stage(this, *p->req, &next);
      if (p->reply.ok() && !current_)  // then every one is refused: `next` is dropped
        p->reply = Reply::Error(proto::kRefused, "no policy is loaded yet: push one first (spamwallctl policy push FILE)");
      if (p->reply.ok()) {
        staged.push_back(p);
        users.insert(p->req->peer.user);
        continue;
      }
    }
    AuditOutcome(p->audit, p->reply, json::object());
  }
  if (staged.empty()) return;

  std::string by;
  for (const auto& u : users) by += (by.empty() ? "" : ", ") + u;
  pending_user_ = by;
  const std::string origin =
      staged.size() == 1
          ? "spamwallctl " + staged[0]->req->cmd + " " +
                CappedArgs(staged[0]->req->args).dump(-1, ' ', false, json::error_handler_t::replace) + " by " + by
          : "spamwallctl: " + std::to_string(staged.size()) + " overlay changes by " + by;
  Built built;
  Reply result;
  json changes = json::object();
  if (Build(current_->file_policy, next, current_->source, &built, &result)) {
    const api::ctl::PolicyDiffCounts diff = PolicyDiff(KeysFor(&*current_), *KeysFor(&built.record));
    json dp;
    // Nothing is kept unless it was saved and the dataplane took it:
    // overlay_ changes only now.
    if (Commit(std::move(built.record), *built.compiled, origin, &dp, &result)) {
      const std::vector<OverlayExemption> old_exemptions = overlay_.exemptions;
      {
        std::lock_guard<std::mutex> lock(mu_);
        overlay_ = std::move(next);
      }
      std::string error;
      // A readable copy; the truth is the generation's image, saved before the push.
      if (!SaveOverlay(OverlayPath(), overlay_, &error))
        fprintf(stderr, "spamwall-controld: %s (generation %llu keeps the overlay)\n", error.c_str(),
                static_cast<unsigned long long>(current_->generation));
      SetLastPushSeconds(MsSince(t0) / 1000);
      api::ctl::OverlayChangeResult res;
      res.changes = ChangedLists(diff);
      changes = res.changes.ToJson();
      // What each exemption of the batch frees, over its whole range.
      std::unordered_set<std::string> before;
      for (const auto& x : old_exemptions) before.insert(x.prefix);
      for (const auto& c : built.coverage) {
        const std::string p = FormatPrefix(c.prefix);
        if (before.count(p) || std::none_of(overlay_.exemptions.begin(), overlay_.exemptions.end(),
                                            [&](const OverlayExemption& x) { return x.prefix == p; }))
          continue;
        res.exemptions.push_back({p, FormatCount(c.freed), FormatCount(c.size), FormatCount(c.consumer_total),
                                  "exemption " + p + " " + CoverageText(c)});
      }
      res.generation = current_->generation;
      res.dataplane = dp;
      res.total_ms = MsSince(t0);
      res.coalesced = staged.size();
      res.warnings = OverrideWarnings(current_->file_policy, overlay_);
      res.mode = ModeOf();
      res.overlay = OverlayToJson(overlay_, false);
      result = Reply::Ok(res.ToJson());
    }
  }
  for (PendingChange* p : staged) {
    p->reply = result;
    AuditOutcome(p->audit, result, changes);
  }
}

Reply Controller::QuarantineAddDel(const Request& r, bool add, Overlay* next) {
  api::ctl::QuarantineArgs args;
  Reply bad;
  if (!ParseArgs(r, &args, &bad)) return bad;
  std::vector<std::pair<uint32_t, std::string>> entries;
  if (args.bulk) {
    if (!BulkEntries(r, &entries, &bad)) return bad;
  } else {
    std::string norm, error;
    if (!CheckQuarantineEntry(args.addr, &norm, &error)) return Reply::Error(proto::kRefused, error);
    entries.emplace_back(0, norm);
  }
  const Membership present(next->quarantine, entries.size());
  std::vector<std::string> problems;
  std::unordered_set<std::string> named;
  for (const auto& [line, norm] : entries) {
    const std::string at = line ? "line " + std::to_string(line) + ": " : "";
    if (!named.insert(norm).second) {
      problems.push_back(at + norm + " is named twice");
    } else if (add && present.Has(norm)) {
      problems.push_back(at + norm + " is already in the runtime quarantine");
    } else if (!add && !present.Has(norm)) {
      problems.push_back(at + norm + " is not in the runtime quarantine" +
                         " (entries of the policy file are removed in the file)");
    }
  }
  if (!problems.empty()) {
    if (!args.bulk) return Reply::Error(proto::kRefused, problems[0]);
    return EntryRefusal(r.cmd + " refused (nothing was changed):", problems);
  }
  if (add) {
    const ChangeOrigin origin{r.peer.user, IsoUtc(std::chrono::system_clock::now())};
    for (const auto& [_, norm] : entries) {
      next->quarantine.push_back(norm);
      next->quarantine_added[norm] = origin;
    }
  } else {
    std::erase_if(next->quarantine, [&](const std::string& q) { return named.count(q) > 0; });
    for (const auto& q : named) next->quarantine_added.erase(q);
  }
  return Reply::Ok(json::object());
}

Reply Controller::ExemptAddDel(const Request& r, bool add, Overlay* next) {
  Reply bad;
  std::string error;
  if (!add) {
    api::ctl::ExemptDelArgs args;
    if (!ParseArgs(r, &args, &bad)) return bad;
    std::string norm;
    if (!CheckQuarantineEntry(args.prefix, &norm, &error))
      return Reply::Error(proto::kRefused, "exemption: " + error.substr(error.find(' ') + 1));
    auto it = std::find_if(next->exemptions.begin(), next->exemptions.end(),
                           [&](const OverlayExemption& x) { return x.prefix == norm; });
    if (it == next->exemptions.end())
      return Reply::Error(proto::kRefused, "no runtime exemption for " + norm +
                                               " (exemptions of the policy file are removed in the file)");
    next->exemptions.erase(it);
    return Reply::Ok(json::object());
  }
  api::ctl::ExemptAddArgs args;
  if (!ParseArgs(r, &args, &bad)) return bad;
  std::vector<std::pair<uint32_t, std::string>> prefixes;
  if (args.bulk) {
    if (!BulkEntries(r, &prefixes, &bad)) return bad;
  } else {
    prefixes.emplace_back(0, args.prefix);
  }
  std::unordered_set<std::string> present;
  for (const auto& x : next->exemptions) present.insert(x.prefix);
  std::vector<std::string> problems;
  std::vector<OverlayExemption> adding;
  const ChangeOrigin origin{r.peer.user, IsoUtc(std::chrono::system_clock::now())};
  std::optional<SubscriberLists> space;  // made for the first wide one
  for (const auto& [line, prefix] : prefixes) {
    const std::string at = line ? "line " + std::to_string(line) + ": " : "";
    OverlayExemption e{prefix, args.owner, args.reason, args.expires, origin};
    Prefix p;
    if (!CheckExemption(&e, TodayUtc(), &error)) {
      problems.push_back(at + error);
    } else if (std::optional<std::string> wide;
               !args.force && ParsePrefix(e.prefix, &p, &error) && (wide = TooWide(p))) {
      if (!space && current_) space.emplace(current_->merged);
      problems.push_back(at + *wide + (space ? ": it " + CoverageText(space->Cover(p)) : std::string()) +
                         "; add --force to exempt it anyway (audited)");
    } else if (!present.insert(e.prefix).second) {
      problems.push_back(at + "an exemption for " + e.prefix + " is already in the overlay (or named twice): "
                         "delete it first");
    } else {
      adding.push_back(std::move(e));
    }
  }
  if (!problems.empty()) {
    if (!args.bulk) return Reply::Error(proto::kRefused, problems[0]);
    return EntryRefusal(r.cmd + " refused (nothing was changed):", problems);
  }
  for (auto& e : adding) next->exemptions.push_back(std::move(e));
  return Reply::Ok(json::object());
}

Reply Controller::ModeSet(const Request& r, Overlay* next) {
  api::ctl::ModeSetArgs args;
  Reply bad;
  if (!ParseArgs(r, &args, &bad)) return bad;
  PolicyMode m;
  ParseMode(args.mode, &m);  // checked by ModeSetArgs
  next->mode = m;
  next->mode_set = {r.peer.user, IsoUtc(std::chrono::system_clock::now())};
  return Reply::Ok(json::object());
}

Reply Controller::ModeClear(const Request& r, Overlay* next) {
  std::string error;
  if (!api::ctl::NoArgs(r.args, &error)) return BadArgs(r.cmd + ": " + error);
  if (!next->mode)
    return Reply::Error(proto::kRefused,
                        std::string("no mode override is set: the policy file's mode (") +
                            (current_ ? ModeName(current_->file_policy.mode) : "none yet") + ") is in force");
  next->mode.reset();
  next->mode_set = {};
  return Reply::Ok(json::object());
}

}  // namespace spamwall::controld
