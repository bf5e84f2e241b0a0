// spamwall-controld's commands: the one place their names are spelled, and
// the typed arguments of those that take any, each with its JSON conversion
// and every check of type, size and content (docs/control-protocol.md). Used
// by controld's dispatch, spamwallctl and the tests; a wrong type, a text
// too long, a control character or an unknown key is refused here with a
// message naming the field, never deeper in controld.
#ifndef SPAMWALL_IPC_API_CONTROLD_API_H_
#define SPAMWALL_IPC_API_CONTROLD_API_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace spamwall::api::ctl {

inline constexpr char kHello[] = "hello";
inline constexpr char kPolicyReferences[] = "policy.references";
inline constexpr char kPolicyCheck[] = "policy.check";
inline constexpr char kPolicyPush[] = "policy.push";
inline constexpr char kPolicyRollback[] = "policy.rollback";
inline constexpr char kPolicyShow[] = "policy.show";
inline constexpr char kStats[] = "stats";
inline constexpr char kQuarantineAdd[] = "quarantine.add";
inline constexpr char kQuarantineDel[] = "quarantine.del";
inline constexpr char kQuarantineList[] = "quarantine.list";
inline constexpr char kExemptAdd[] = "exempt.add";
inline constexpr char kExemptDel[] = "exempt.del";
inline constexpr char kExemptList[] = "exempt.list";
inline constexpr char kModeSet[] = "mode.set";
inline constexpr char kModeClear[] = "mode.clear";
inline constexpr char kAuditTail[] = "audit.tail";
inline constexpr char kWhois[] = "whois";
inline constexpr char kComplaint[] = "complaint";
inline constexpr char kEventsQuery[] = "events.query";
inline constexpr char kZombiesTop[] = "zombies.top";
inline constexpr char kSignaturesCheck[] = "signatures.check";
inline constexpr char kSignaturesShow[] = "signatures.show";
inline constexpr char kSignaturesPush[] = "signatures.push";
inline constexpr char kSignaturesClear[] = "signatures.clear";

inline constexpr size_t kMaxTextBytes = 256;     // owner, reason
inline constexpr size_t kMaxAddrBytes = 64;      // an address or prefix
inline constexpr size_t kMaxBulkEntries = 1000000;  // lines of one -f FILE

// `s` as a terminal may show it: control characters (and DEL) as \xNN, cut
// to `max` bytes with "..." (messages that echo what a client sent);
// dataplane/core/printable.h with the API's default cap.
std::string Printable(std::string_view s, size_t max = kMaxTextBytes);

// quarantine.add, quarantine.del: one `addr`, or a bundle (file_bundle.h)
// of one file with one address or prefix per line.
struct QuarantineArgs {
  std::string addr;
  bool bulk = false;  // the request carries a bundle instead
  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, QuarantineArgs* out, std::string* error);
};

// exempt.add: `prefix` or a bundle of prefixes, one per line, each with the
// same owner, reason and expiry.
struct ExemptAddArgs {
  std::string prefix, owner, reason, expires;
  bool bulk = false;
  bool force = false;  // a prefix wider than controld's max_exemption_v4|v6
  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, ExemptAddArgs* out, std::string* error);
};

struct ExemptDelArgs {
  std::string prefix;
  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, ExemptDelArgs* out, std::string* error);
};

struct ModeSetArgs {
  std::string mode;  // "enforce" | "monitor"
  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, ModeSetArgs* out, std::string* error);
};

// policy.rollback: to the previous generation, or `to` (a saved generation).
struct PolicyRollbackArgs {
  uint64_t to = 0;  // 0: the previous one
  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, PolicyRollbackArgs* out, std::string* error);
};

// audit.tail: the last `n` records that match, read from the end of the
// file within `max_bytes`; `user` (a name or uid) and `since` (ISO 8601
// UTC, a prefix of the record's time such as 2026-01-02 or
// 2026-01-02T03:04) filter.
struct AuditTailArgs {
  int64_t n = 20;
  std::string user, since;
  int64_t max_bytes = int64_t{16} << 20;
  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, AuditTailArgs* out, std::string* error);
};

// whois: the messages that carried this Message-ID (with or without <>).
struct WhoisArgs {
  static constexpr size_t kMaxBytes = 998;  // a header line (RFC 5322)
  std::string message_id;
  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, WhoisArgs* out, std::string* error);
};

// events.query: the newest `n` events, optionally of one subscriber (an
// address), one type, and since a time (unix seconds).
struct EventsQueryArgs {
  std::string subscriber, type;  // type: smtp_session, smtp_message, complaint, threshold_alert
  double since = 0;
  int64_t n = 20;  // 1..10000
  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, EventsQueryArgs* out, std::string* error);
};

// complaint: the complaint's bytes ride in a bundle (file_bundle.h), read
// by spamwallctl with its caller's rights; nothing else.
struct ComplaintArgs {
  static bool FromJson(const nlohmann::json& j, ComplaintArgs* out, std::string* error);
};

// zombies.top: the n subscribers highest by `by`.
struct ZombiesTopArgs {
  std::string by = "attempts";  // attempts | destinations (the dataplane's) | hits | complaints (today's)
  int64_t n = 20;               // 1..1000
  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, ZombiesTopArgs* out, std::string* error);
};

// The first key of the object j that is not in `known` (nullptr: none);
// every strict JSON reader (arguments, state files) refuses with it.
const std::string* UnknownKey(const nlohmann::json& j, std::initializer_list<const char*> known);

// A command with no arguments: only {} is accepted.
bool NoArgs(const nlohmann::json& j, std::string* error);

}  // namespace spamwall::api::ctl

#endif  // SPAMWALL_IPC_API_CONTROLD_API_H_
