// spamwall-controld's answers, typed: the one place each result's fields are
// spelled. controld builds these and sends ToJson(); spamwallctl (and the
// tests) read them back with FromJson and format the struct, so a field
// renamed on one side is a compile error on the other. The wire shapes are
// those of docs/control-protocol.md.
//
// FromJson is as strict as a reader of a newer controld can be: a field of
// the wrong type is an error naming it ("policy.push: changes.consumer.added:
// not an unsigned integer (a string)"); a missing field keeps its default;
// unknown fields are skipped (a newer controld may add some).
//
// Three parts stay JSON documents, each with its one owner elsewhere: what
// the dataplane answered (its policy.load, policy.show and stats, passed
// through as it sent them), the overlay (the state file's shape,
// control/controld/overlay.h) and the audit records (audit_log.h).
#ifndef SPAMWALL_IPC_API_CONTROLD_RESULTS_H_
#define SPAMWALL_IPC_API_CONTROLD_RESULTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace spamwall::api::ctl {

// Every result type has these two.
#define SPAMWALL_RESULT_JSON(T)   \
  nlohmann::json ToJson() const; \
  static bool FromJson(const nlohmann::json& j, T* out, std::string* error)

// hello.
struct HelloResult {
  std::string process;  // "spamwall-controld"
  uint64_t protocol = 0;
  int64_t pid = 0;
  uint64_t generation = 0;  // live
  SPAMWALL_RESULT_JSON(HelloResult);
};

// policy.references: the files a policy names, for spamwallctl to bundle.
struct ReferencesResult {
  std::vector<std::string> files;
  SPAMWALL_RESULT_JSON(ReferencesResult);
};

// The mode in a diff: the live policy's (none when nothing is live) and the new one's.
struct ModeChange {
  std::optional<std::string> current;
  std::string next;  // wire: "new"
  SPAMWALL_RESULT_JSON(ModeChange);
};

// One list of policy.check's diff.
struct ListDiff {
  uint64_t current = 0, next = 0;  // entries now and in the new policy (wire: current, new)
  uint64_t added = 0, removed = 0;
  SPAMWALL_RESULT_JSON(ListDiff);
};

// Every list of kDiffLists (policy_lists.h), in that order, and the mode.
struct PolicyDiffCounts {
  std::vector<std::pair<std::string, ListDiff>> lists;
  ModeChange mode;
  SPAMWALL_RESULT_JSON(PolicyDiffCounts);
};

// What a change did: only the lists that changed, and the mode when it did.
// The "changes" of every mutating reply and of the audit log.
struct ListChanges {
  struct Counts {
    uint64_t added = 0, removed = 0;
  };
  std::vector<std::pair<std::string, Counts>> lists;  // kDiffLists order
  std::optional<ModeChange> mode;
  bool empty() const { return lists.empty() && !mode; }
  SPAMWALL_RESULT_JSON(ListChanges);
};

// The effective mode and where it comes from (policy.show, stats, the
// overlay commands).
struct ModeInfo {
  std::string effective, file;  // "enforce" | "monitor"
  std::string origin;           // "file" | "override"
  std::string set_by, set_at;   // the override's, when origin is "override"
  SPAMWALL_RESULT_JSON(ModeInfo);
};

// A runtime entry that overrides the policy file (overlay_overrides.h).
struct OverrideInfo {
  std::string kind, entry, warning, set_by, set_at;
  SPAMWALL_RESULT_JSON(OverrideInfo);
};

// One generation controld keeps (policy.show's current, previous, in_doubt).
struct GenerationRecord {
  uint64_t generation = 0;
  std::string source, mode, file_mode, compiled_on, pushed_by, pushed_at, digest;
  bool on_dataplane = false;
  std::map<std::string, uint64_t> summary;  // entries per list (summary_json.h)
  std::vector<std::string> warnings;
  SPAMWALL_RESULT_JSON(GenerationRecord);
};

// policy.check's mode: the file's, and the effective one (with the overlay).
struct CheckMode {
  std::string file, effective;
  SPAMWALL_RESULT_JSON(CheckMode);
};

// policy.check.
struct CheckResult {
  std::string path;
  bool valid = false;
  std::vector<std::string> errors, warnings;
  // When valid:
  CheckMode mode;
  std::optional<PolicyDiffCounts> diff;
  std::map<std::string, uint64_t> summary;
  double compile_ms = 0;
  SPAMWALL_RESULT_JSON(CheckResult);
};

// policy.push.
struct PushResult {
  uint64_t generation = 0, previous_generation = 0;
  std::string source;
  double load_ms = 0, compile_ms = 0, image_ms = 0, live_ms = 0, total_ms = 0;
  nlohmann::json dataplane = nlohmann::json::object();  // its policy.load answer
  std::vector<std::string> warnings;
  ListChanges changes;
  SPAMWALL_RESULT_JSON(PushResult);
};

// policy.rollback.
struct RollbackResult {
  uint64_t generation = 0, rolled_back_from = 0, restored_generation = 0;
  std::string source;
  nlohmann::json dataplane = nlohmann::json::object();
  double total_ms = 0;
  ListChanges changes;
  SPAMWALL_RESULT_JSON(RollbackResult);
};

// policy.show.
struct ShowResult {
  std::optional<GenerationRecord> current, previous, in_doubt;
  std::vector<std::string> start_warnings;
  std::vector<uint64_t> saved_generations;
  nlohmann::json overlay = nlohmann::json::object();  // as stored (overlay.h)
  std::optional<ModeInfo> mode;                       // none while nothing is live
  std::vector<OverrideInfo> overrides;
  std::string state_dir, dataplane_socket;
  std::optional<nlohmann::json> dataplane;  // its policy.show answer, or:
  std::string dataplane_error;
  SPAMWALL_RESULT_JSON(ShowResult);
};

// stats: the dataplane's stats answer with controld's three fields added.
struct StatsResult {
  nlohmann::json dataplane = nlohmann::json::object();
  double packets_per_s = 0;
  uint64_t controld_generation = 0;
  std::optional<ModeInfo> mode_origin;
  SPAMWALL_RESULT_JSON(StatsResult);
};

// What one exemption of an overlay change frees, over its whole range.
struct ExemptionCoverageInfo {
  std::string prefix, frees, of, consumer_total, text;
  SPAMWALL_RESULT_JSON(ExemptionCoverageInfo);
};

// quarantine add|del, exempt add|del, mode set|clear: the batch's generation.
struct OverlayChangeResult {
  uint64_t generation = 0;
  nlohmann::json dataplane = nlohmann::json::object();
  double total_ms = 0;
  ListChanges changes;
  uint64_t coalesced = 0;  // requests compiled together
  std::vector<ExemptionCoverageInfo> exemptions;
  std::vector<std::string> warnings;
  std::optional<ModeInfo> mode;
  nlohmann::json overlay = nlohmann::json::object();
  SPAMWALL_RESULT_JSON(OverlayChangeResult);
};

// quarantine.list.
struct QuarantineEntry {
  std::string addr, origin;  // origin: "overlay" | "policy"
  SPAMWALL_RESULT_JSON(QuarantineEntry);
};
struct QuarantineListResult {
  std::vector<QuarantineEntry> entries;
  SPAMWALL_RESULT_JSON(QuarantineListResult);
};

// exempt.list.
struct ExemptionEntry {
  std::string prefix, owner, reason, expires;
  std::string state;  // "active" | "expiring" | "expired"
  int64_t days_left = 0;
  std::string origin;            // "overlay" | "policy"
  std::string added_by, added_at;  // runtime entries
  SPAMWALL_RESULT_JSON(ExemptionEntry);
};
struct ExemptListResult {
  std::vector<ExemptionEntry> entries;
  std::string today;  // YYYY-MM-DD, UTC
  SPAMWALL_RESULT_JSON(ExemptListResult);
};

// audit.tail.
struct AuditTailResult {
  std::string path;
  nlohmann::json records = nlohmann::json::array();  // audit_log.h's records
  bool budget_hit = false;
  SPAMWALL_RESULT_JSON(AuditTailResult);
};

// whois: the messages with that Message-ID, newest first, as the event
// store holds them (docs/events.md owns their fields).
struct WhoisResult {
  std::string message_id;  // as asked
  nlohmann::json messages = nlohmann::json::array();
  uint64_t complaints = 0;  // complaints stored against this Message-ID
  SPAMWALL_RESULT_JSON(WhoisResult);
};

// events.query: the events, newest first (docs/events.md).
struct EventsQueryResult {
  std::string store;  // where they come from ("sqlite:/var/lib/spamwall/events.sqlite")
  nlohmann::json events = nlohmann::json::array();
  SPAMWALL_RESULT_JSON(EventsQueryResult);
};

// complaint: each Message-ID found and what it resolved to.
struct ComplaintId {
  std::string message_id;
  bool resolved = false;
  std::string subscriber, server, mail_from;
  double ts = 0;  // when that message was sent
  SPAMWALL_RESULT_JSON(ComplaintId);
};
struct ComplaintAction {
  std::string threshold, subscriber, action;
  uint64_t value = 0, limit = 0;
  std::string result;  // "ok", or why it could not be done
  SPAMWALL_RESULT_JSON(ComplaintAction);
};
struct ComplaintResult {
  std::string kind;           // arf | forwarded | message_id
  std::string feedback_type;  // ARF's
  std::vector<ComplaintId> ids;
  std::vector<ComplaintAction> actions;  // thresholds this complaint made reach their limit
  std::vector<std::string> warnings;
  SPAMWALL_RESULT_JSON(ComplaintResult);
};

// zombies.top.
struct ZombieEntry {
  std::string subscriber;
  uint64_t attempts = 0, destinations = 0;  // the dataplane's zombie table
  uint64_t hits_today = 0, complaints_today = 0;  // controld's (UTC day)
  double last_seen = 0;
  bool quarantined = false;  // in the runtime quarantine
  SPAMWALL_RESULT_JSON(ZombieEntry);
};
struct ZombiesTopResult {
  std::string by;
  std::vector<ZombieEntry> subscribers;
  std::string dataplane_error;  // "" when the dataplane answered
  SPAMWALL_RESULT_JSON(ZombiesTopResult);
};

// signatures.check and signatures.show: one signature file.
struct SignatureFileInfo {
  std::string path;
  uint64_t signatures = 0, bytes = 0;
  SPAMWALL_RESULT_JSON(SignatureFileInfo);
};
// signatures.check: the files parsed and compiled as a push would (refused
// with FILE:LINE otherwise).
struct SignaturesCheckResult {
  std::vector<SignatureFileInfo> files;
  uint64_t signatures = 0, spam = 0, malware = 0;
  uint64_t exact = 0, gated = 0, prefiltered = 0;  // each signature's plan
  uint64_t database_bytes = 0;                     // serialized, as the image carries it
  double compile_ms = 0;
  SPAMWALL_RESULT_JSON(SignaturesCheckResult);
};
// signatures.show: the live generation's set and what the samplers scanned.
struct SignaturesShowResult {
  uint64_t generation = 0;
  std::vector<SignatureFileInfo> files;
  uint64_t signatures = 0;
  nlohmann::json scan = nlohmann::json::object();  // the samplers' scan counters, summed (docs/signatures.md)
  std::string dataplane_error;                     // when the last stats sample had none
  std::string origin = "file";                     // "file" | "override" (signatures push)
  std::string set_by, set_at;                      // the override's
  SPAMWALL_RESULT_JSON(SignaturesShowResult);
};

#undef SPAMWALL_RESULT_JSON

}  // namespace spamwall::api::ctl

#endif  // SPAMWALL_IPC_API_CONTROLD_RESULTS_H_
