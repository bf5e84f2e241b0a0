// controld's state and its commands: the live policy generation and the one
// before it, the runtime overlay, and the push that turns file + overlay into
// a compiled image on the dataplane. Every accepted generation is persisted
// (generation_store.h) before it is pushed, and controld restarts from disk:
// the boot file only matters on first install. Every change is
// all-or-nothing: a policy that does not load, compile, get saved or get
// accepted by the dataplane changes nothing here.
//
// Two locks (docs/architecture.md, "Threads and ownership"): change_mu_ makes
// changes one at a time and is held across a change's compile, save and
// load; mu_ guards the published state (the records, the overlay, the
// counters) and is held only to copy or swap it, never across a compile or
// a call to the dataplane. State is written with both held and read with
// either, so `stats`, `policy show`, the lists and `/metrics` answer while a
// million-prefix policy compiles. Order: change_mu_, then mu_.
#ifndef SPAMWALL_CONTROL_CONTROLD_CONTROLLER_H_
#define SPAMWALL_CONTROL_CONTROLD_CONTROLLER_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/controld/audit_log.h"
#include "control/controld/config.h"
#include "control/controld/containment.h"
#include "control/controld/dataplane_link.h"
#include "control/controld/generation_store.h"
#include "control/controld/metrics.h"
#include "control/controld/overlay.h"
#include "control/controld/policy_diff.h"
#include "control/controld/stats_sampler.h"
#include "control/policy/exemption_coverage.h"
#include "control/policy/policy.h"
#include "ipc/api/controld_results.h"
#include "ipc/server.h"

namespace spamwall::controld {

// One compiled policy, live or kept for rollback.
struct PolicyRecord {
  uint64_t generation = 0;
  Policy file_policy;  // the policy file as loaded
  Overlay overlay;     // the overlay it was compiled with
  Policy merged;       // file + overlay: what was compiled
  std::shared_ptr<const PolicyKeys> keys;  // merged's entries, sorted for diffs (KeysFor)
  std::string digest;  // of its image, state_dir/generations/<generation>.img
  PolicySummary summary;
  std::vector<std::string> warnings;
  std::string source;
  std::string pushed_by;
  std::string pushed_at;  // ISO 8601 UTC
  Day compiled_on = 0;    // the day its exemptions were judged by (UTC)
  bool on_dataplane = false;  // false until a dataplane accepted it
};

// The exemptions of rec that applied when it was compiled and have expired
// by `today`: the live generation must be recompiled without them.
std::vector<const Exemption*> ExpiredSinceCompile(const PolicyRecord& rec, Day today);

// The record as stored in its image (kControldRecord) and back; the model
// (kPolicyModel) and the image's own meta complete it.
nlohmann::json StoredRecordJson(const PolicyRecord& r);

// Milliseconds since t0 (the timings of every reply).
double MsSince(std::chrono::steady_clock::time_point t0);

// Each error as "file:line:col: message".
std::vector<std::string> ErrorLines(const Diagnostics& d);
// "policy refused:" and one error per line: how every refused policy is answered.
std::string RefusalMessage(const std::vector<std::string>& errors);

// rec's sorted keys, made on first use and kept (nullptr for no record).
const PolicyKeys* KeysFor(PolicyRecord* rec);

class Controller {
 public:
  Controller(Config cfg, DataplaneLink* link, AuditLog* audit);

  // Reads state_dir: the generation counter, the live and previous
  // generations (or, on first install, the overlay and the boot policy
  // file, whose refusal is a warning, not a dead control plane), then
  // reconciles with the dataplane: adopts what it runs when it is controld's
  // own, pushes the live generation when it runs something older.
  bool Init(std::string* error);

  // UnixServer's peer check and handler.
  bool CheckPeer(const proto::Peer& peer, std::string* why) const;
  proto::Reply Handle(proto::Request& req);

  // After each stats sample: on a new dataplane connection, or while a load
  // is in doubt, reconcile (give a restarted dataplane the live generation,
  // settle the one in doubt).
  void AfterSample(bool reconnected);

  void set_sampler(const StatsSampler* s) { sampler_ = s; }
  // Before Init: the event store and the thresholds (whois, complaint,
  // events, top zombies); without it those commands are unavailable.
  void set_containment(Containment* c) { containment_ = c; }

  // A threshold's quarantine: c.subscriber into the runtime overlay, pushed
  // and audited as `threshold.quarantine` by "spamwall-controld (threshold
  // NAME)". Takes change_mu_: never called with a lock held.
  absl::Status QuarantineForThreshold(const ThresholdCrossing& c);
  // Whether addr is quarantined by the live generation (file or overlay).
  bool Quarantined(const std::string& addr) const;

  // Once a second (after each stats sample): when a UTC midnight has passed
  // after which an exemption of the live generation no longer applies,
  // recompile file + overlay and push it, logged and audited as
  // controld's own change (docs/control-protocol.md, "Expiry").
  void ExpireOnTime();
  ControldCounters Counters() const;

 private:
  // A candidate built from file + overlay, not yet live.
  struct Built {
    PolicyRecord record;
    std::unique_ptr<CompiledPolicy> compiled;
    double compile_ms = 0, image_ms = 0;
    std::vector<std::string> errors;  // why Build refused, one per line
    std::vector<ExemptionCoverage> coverage;  // of each unexpired exemption
  };

  // Init's reading of state_dir (under both locks), before the reconcile.
  bool InitFromDisk(std::string* error);
  bool Build(Policy file_policy, const Overlay& overlay, const std::string& source,
             Built* out, proto::Reply* refusal);
  // Makes rec (compiled as `compiled`) the next generation: its image is
  // saved to the state directory, then loaded by the dataplane; on success
  // rec becomes live (the live one previous) and *dp is the dataplane's
  // result. Nothing changes when it cannot be saved or is refused; a load
  // sent but not answered leaves it in doubt (in_doubt_) until the
  // dataplane says which generation it runs.
  bool Commit(PolicyRecord rec, const CompiledPolicy& compiled, const std::string& origin,
              nlohmann::json* dp, proto::Reply* refusal, double* image_ms = nullptr);
  // Sends the saved image of rec's generation (a dataplane that runs an
  // older one); true when it is live.
  bool Resend(const PolicyRecord& rec, std::string* error);
  // rec is live now: pointers, counters, history.
  void Promote(PolicyRecord rec);
  // A generation's record from its saved image (nullopt with *error).
  std::optional<PolicyRecord> LoadRecord(uint64_t gen, std::string* error,
                                         std::unique_ptr<CompiledPolicy>* compiled = nullptr);
  bool SaveCounter(uint64_t gen, std::string* error);
  uint64_t NextGeneration() const;
  struct DataplaneState {
    uint64_t generation = 0;
    std::string digest;
    int64_t pid = 0;
  };
  bool AskDataplane(DataplaneState* st, std::string* error);
  // Brings controld's view and the dataplane's together (start, reconnect,
  // before a change while one is in doubt). False when the dataplane did
  // not answer.
  bool Reconcile(std::string* error);

  // The dispatch table (commands.cc): how each command runs.
  // kLocksItself: takes mu_ itself, only to copy what it answers, if at all
  // (policy check copies the overlay and compiles unlocked; show and stats
  // ask the dataplane unlocked); kReads: under mu_;
  // kMutates: under change_mu_, audited; kOverlay: audited, staged onto a
  // batch's overlay and compiled with the batch under change_mu_
  // (overlay_commands.cc); kAudited: audited, no lock held while it runs
  // (complaint: its state is the event store's, and a threshold it crosses
  // makes an overlay change of its own).
  enum Kind { kLocksItself, kReads, kMutates, kOverlay, kAudited };
  using StageFn = proto::Reply (*)(Controller*, const proto::Request&, Overlay* next);
  struct Command {
    const char* name;
    Kind kind;
    proto::Reply (*run)(Controller*, proto::Request&, nlohmann::json* changes);
    StageFn stage = nullptr;
  };
  static const std::vector<Command>& Commands();

  // The audit pair of one mutating request: the intent (false with the
  // refusal when it cannot be written: nothing may change) and the outcome.
  bool AuditIntent(const proto::Request& r, AuditRecord* rec, proto::Reply* refusal);
  void AuditOutcome(AuditRecord* rec, const proto::Reply& reply, const nlohmann::json& changes);
  // False with the refusal while a load in doubt is not settled.
  bool SettleInDoubt(proto::Reply* refusal);

  // An overlay request waiting for its batch (pending_).
  struct PendingChange {
    proto::Request* req;
    StageFn stage;
    bool done = false;  // under change_mu_
    proto::Reply reply;
    AuditRecord* audit = nullptr;
  };
  proto::Reply HandleOverlay(proto::Request& r, StageFn stage);
  void RunOverlayBatch(const std::vector<PendingChange*>& batch);

  // Commands (mu_ held by Handle for the kReads ones, change_mu_ for the
  // kMutates and kOverlay ones).
  proto::Reply Hello();
  proto::Reply PolicyReferences(const proto::Request& r);
  proto::Reply PolicyCheck(const proto::Request& r);
  proto::Reply PolicyPush(const proto::Request& r, nlohmann::json* changes);
  proto::Reply PolicyRollback(const proto::Request& r, nlohmann::json* changes);
  proto::Reply PolicyShow();
  proto::Reply Stats();
  // Each checks its request against *next and, only when all of it is good,
  // applies it there.
  proto::Reply QuarantineAddDel(const proto::Request& r, bool add, Overlay* next);
  proto::Reply ExemptAddDel(const proto::Request& r, bool add, Overlay* next);
  proto::Reply ModeSet(const proto::Request& r, Overlay* next);
  proto::Reply ModeClear(const proto::Request& r, Overlay* next);
  // The warnings a file gets on check and push beyond the compiler's: the
  // overlay's overrides of it and exemptions wider than the configured size.
  std::vector<std::string> FileWarnings(const Policy& file, const Overlay& overlay) const;
  // For an exemption wider than max_exemption_v4|v6: "exemption P is wider
  // than /N (controld's max_exemption_vX)"; nullopt otherwise.
  std::optional<std::string> TooWide(const Prefix& p) const;
  // The effective mode and where it comes from, for show and stats (none
  // while nothing is live).
  std::optional<api::ctl::ModeInfo> ModeOf() const;
  proto::Reply ListQuarantine();
  template <class F>
  proto::Reply WithContainment(F f) {
    if (!containment_) return proto::Reply::Error(proto::kUnavailable, "this controld keeps no events");
    return f(containment_);
  }
  proto::Reply ListExemptions();
  proto::Reply AuditTail(const proto::Request& r);
  // signature_commands.cc.
  proto::Reply SignaturesCheck(const proto::Request& r);
  proto::Reply SignaturesShow();
  proto::Reply SignaturesPush(const proto::Request& r, Overlay* next);
  proto::Reply SignaturesClear(const proto::Request& r, Overlay* next);

  api::ctl::GenerationRecord RecordOf(const PolicyRecord& r) const;
  // Counters written by a change (change_mu_ held): each takes mu_.
  void CountPush(const char* outcome);
  void SetLastPushSeconds(double s);
  std::string OverlayPath() const { return cfg_.state_dir + "/overlay.json"; }

  const Config cfg_;
  DataplaneLink* link_;
  AuditLog* audit_;
  const StatsSampler* sampler_ = nullptr;
  Containment* containment_ = nullptr;
  std::optional<gid_t> group_;

  std::mutex change_mu_;   // one change at a time (see the top)
  mutable std::mutex mu_;  // the published state below: written with both, read with either
  std::atomic<bool> reconcile_wanted_{false};  // a reconnect AfterSample could not act on yet
  GenerationStore store_;
  std::optional<PolicyRecord> current_, previous_;  // their keys are made before they are published
  std::optional<PolicyRecord> in_doubt_;  // sent, not answered
  // The next four only under change_mu_ (no reader needs them).
  int64_t in_doubt_pid_ = 0;              // the dataplane it was sent to
  std::optional<std::chrono::steady_clock::time_point> in_doubt_answering_;  // since it answers again
  std::optional<Built> first_;            // the boot file, compiled while no dataplane was there
  std::vector<std::string> start_warnings_;
  Overlay overlay_;
  uint64_t last_generation_ = 0;  // highest number ever used or seen
  std::string pending_user_;      // who the command in progress runs for
  std::mutex pending_mu_;         // guards pending_ (taken without mu_)
  std::vector<PendingChange*> pending_;  // overlay requests not yet in a batch
  ControldCounters counters_;
  std::chrono::steady_clock::time_point last_expiry_try_{};  // a failed one is retried each minute
};

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_CONTROLLER_H_
