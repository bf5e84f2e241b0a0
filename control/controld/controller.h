// controld's state and its commands: the live policy generation and the one
// before it (each with its sealed image, kept open so it can be re-sent), the
// runtime overlay, and the push that turns file + overlay into a compiled
// image on the dataplane. Every change is all-or-nothing: a policy that does
// not load, compile or get accepted by the dataplane changes nothing here.
#ifndef SPAMWALL_CONTROL_CONTROLD_CONTROLLER_H_
#define SPAMWALL_CONTROL_CONTROLD_CONTROLLER_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/controld/audit_log.h"
#include "control/controld/config.h"
#include "control/controld/dataplane_link.h"
#include "control/controld/metrics.h"
#include "control/controld/overlay.h"
#include "control/controld/policy_diff.h"
#include "control/controld/stats_sampler.h"
#include "control/policy/policy.h"
#include "ipc/server.h"

namespace spamwall::controld {

// One compiled policy, live or kept for rollback.
struct PolicyRecord {
  uint64_t generation = 0;
  Policy file_policy;  // the policy file as loaded
  Overlay overlay;     // the overlay it was compiled with
  Policy merged;       // file + overlay: what was compiled
  std::shared_ptr<const PolicyKeys> keys;  // merged's entries, sorted for diffs (KeysFor)
  std::shared_ptr<UniqueFd> image;  // sealed memfd, re-sendable
  PolicySummary summary;
  std::vector<std::string> warnings;
  std::string source;
  std::string pushed_by;
  std::string pushed_at;  // ISO 8601 UTC
  bool on_dataplane = false;  // false until a dataplane accepted it
};

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

  // Reads state_dir (generation counter, overlay), loads and compiles the
  // configured policy and pushes it when the dataplane is there.
  bool Init(std::string* error);

  // UnixServer's peer check and handler.
  bool CheckPeer(const proto::Peer& peer, std::string* why) const;
  proto::Reply Handle(proto::Request& req);

  // The sampler found a (new) dataplane connection: give it the live policy
  // when it runs another generation.
  void OnDataplaneConnect();

  void set_sampler(const StatsSampler* s) { sampler_ = s; }
  ControldCounters Counters() const;

 private:
  // A candidate built from file + overlay, not yet live.
  struct Built {
    PolicyRecord record;
    double compile_ms = 0, image_ms = 0;
    std::vector<std::string> errors;  // why Build refused, one per line
  };

  bool Build(Policy file_policy, const Overlay& overlay, const std::string& source,
             Built* out, proto::Reply* refusal);
  // Sends rec's image under a fresh generation; on success rec becomes live
  // (the live one becomes previous) and *dp is the dataplane's result.
  bool Send(PolicyRecord rec, const std::string& origin, nlohmann::json* dp, proto::Reply* refusal);
  uint64_t NextGeneration() const;
  bool DataplaneGeneration(uint64_t* gen, std::string* error);

  // Commands (mu_ held by Handle for the mutating ones).
  proto::Reply PolicyCheck(const proto::Request& r);
  proto::Reply PolicyPush(const proto::Request& r, nlohmann::json* changes);
  proto::Reply PolicyRollback(const proto::Request& r, nlohmann::json* changes);
  proto::Reply PolicyShow();
  proto::Reply Stats();
  proto::Reply OverlayChange(const proto::Request& r, Overlay next, nlohmann::json* changes);
  proto::Reply QuarantineAddDel(const proto::Request& r, bool add, nlohmann::json* changes);
  proto::Reply ExemptAddDel(const proto::Request& r, bool add, nlohmann::json* changes);
  proto::Reply ModeSet(const proto::Request& r, nlohmann::json* changes);
  proto::Reply ListQuarantine();
  proto::Reply ListExemptions();
  proto::Reply AuditTail(const proto::Request& r);

  nlohmann::json RecordJson(const PolicyRecord& r) const;
  std::string OverlayPath() const { return cfg_.state_dir + "/overlay.json"; }

  const Config cfg_;
  DataplaneLink* link_;
  AuditLog* audit_;
  const StatsSampler* sampler_ = nullptr;
  std::optional<gid_t> group_;

  mutable std::mutex mu_;
  std::optional<PolicyRecord> current_, previous_;
  Overlay overlay_;
  uint64_t last_generation_ = 0;  // highest number ever used or seen
  std::string pending_user_;      // who the command in progress runs for
  ControldCounters counters_;
};

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_CONTROLLER_H_
