// The policy model of docs/policy.md (schema version 1, YAML), as
// parsed and validated, before compilation. Every entry remembers where it
// was written so that refusals name file:line.
#ifndef SPAMWALL_CONTROL_POLICY_POLICY_H_
#define SPAMWALL_CONTROL_POLICY_POLICY_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/core/compiled_policy.h"
#include "dataplane/core/prefix.h"

namespace spamwall {

// file index into Policy::files, 1-based line and column (0 = unknown).
struct SourceLoc {
  uint32_t file = 0;
  uint32_t line = 0;
  uint32_t column = 0;
};

struct PrefixEntry {
  Prefix prefix;
  SourceLoc loc;
};

struct PortEntry {
  uint16_t port = 0;
  SourceLoc loc;
};

// A day in the proleptic Gregorian calendar, as days since 1970-01-01.
using Day = int32_t;

struct Exemption {
  Prefix prefix;
  std::string owner;
  std::string reason;
  Day expires = 0;  // valid through the end of this day (UTC)
  std::string expires_text;
  SourceLoc loc;
};

// What a threshold counts, per subscriber: the dataplane's blocked
// attempts and distinct destinations, abuse complaints, signature hits.
enum class ThresholdMetric : uint8_t { kBlockedAttempts, kDistinctDestinations, kComplaints, kSignatureHits };
// Fixed UTC civil windows: the hour or the day an event falls in.
enum class ThresholdWindow : uint8_t { kHour, kDay };
enum class ThresholdAction : uint8_t { kAlert, kQuarantine };

// The policy's spelling of each value, indexed by it.
inline constexpr std::array<std::string_view, 4> kThresholdMetricNames = {
    "blocked_attempts", "distinct_destinations", "complaints", "signature_hits"};
inline constexpr std::array<std::string_view, 2> kThresholdWindowNames = {"hour", "day"};
inline constexpr std::array<std::string_view, 2> kThresholdActionNames = {"alert", "quarantine"};
inline std::string_view NameOf(ThresholdMetric m) { return kThresholdMetricNames[static_cast<size_t>(m)]; }
inline std::string_view NameOf(ThresholdWindow w) { return kThresholdWindowNames[static_cast<size_t>(w)]; }
inline std::string_view NameOf(ThresholdAction a) { return kThresholdActionNames[static_cast<size_t>(a)]; }

// `action` fires once per subscriber and window when the subscriber's
// `metric` in that window reaches `limit`. Applied by controld
// (control/controld/thresholds.h), never compiled into the dataplane.
struct Threshold {
  std::string name;  // [A-Za-z0-9_.-]{1,64}, unique in the policy
  ThresholdMetric metric = ThresholdMetric::kBlockedAttempts;
  ThresholdWindow window = ThresholdWindow::kHour;
  uint64_t limit = 1;  // >= 1
  ThresholdAction action = ThresholdAction::kAlert;
  SourceLoc loc;
};

// A new field must also be copied in MergeOverlay (control/controld/overlay.cc),
// which copies field by field to give the big lists huge pages.
struct Policy {
  int version = 0;
  PolicyMode mode = PolicyMode::kEnforce;
  std::vector<PrefixEntry> consumer, business, internal, mx_servers,
      authorized_relays, quarantine;
  std::vector<PortEntry> smtp_ports, submission_ports, never_block_tcp, never_block_udp;
  std::vector<Exemption> exemptions;
  uint32_t smtp_flow_rate = 0;  // 0: not sampled
  std::vector<PrefixEntry> sampling_watch;  // subscribers whose every mail flow is sampled
  std::vector<std::string> signatures;  // paths as written, relative to the policy
  // Those files as the loader read them (from disk, or from the bundle a
  // client sent), in the same order: what the compiler compiles into the
  // generation's signature database, kept in the model so that a recompile
  // (an overlay change, a restarted controld) needs no file.
  struct SignatureFile {
    std::string path;  // resolved, as messages name it
    std::string text;
    bool operator==(const SignatureFile&) const = default;
  };
  std::vector<SignatureFile> signature_files;
  std::vector<Threshold> thresholds;

  std::vector<std::string> files;  // files[0] is the policy file itself
};

// An error or warning that names where: "policy.yaml:12:5: message".
struct Diagnostic {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string message;

  std::string ToString() const;
};

struct Diagnostics {
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;

  bool ok() const { return errors.empty(); }
  // Every error and warning, one per line ("error: " / "warning: " first).
  std::string ToString() const;
};

}  // namespace spamwall

#endif  // SPAMWALL_CONTROL_POLICY_POLICY_H_
