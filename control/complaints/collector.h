// What a complaint's walk gathers, in one place: the originals' Message-IDs
// (distinct, bounded, never the complaint's own), bounded warnings that
// say where, and the decoded parts the walk reads from (bounded in all).
#ifndef SPAMWALL_CONTROL_COMPLAINTS_COLLECTOR_H_
#define SPAMWALL_CONTROL_COMPLAINTS_COLLECTOR_H_

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "control/complaints/complaint.h"

namespace spamwall::complaints {

// Abseil here has its own string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0):
// StrCat takes ours through this.
inline absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// A piece of the input for a warning: quoted, at most 60 bytes, bytes that
// are not printable ASCII as '?'.
std::string Excerpt(std::string_view s);

// A field's value kept for the result: at most max bytes, cut at a UTF-8
// boundary (*cut says it was), control bytes as blanks, trimmed.
std::string BoundedField(std::string_view v, size_t max, bool* cut);

// "part 2.1", or "the message body" for the top level's.
std::string PartName(std::string_view label);

class Collector {
 public:
  static constexpr size_t kMaxWarnings = 32;

  Collector(std::string_view input, const ComplaintLimits& limits, ParsedComplaint* out);

  const ComplaintLimits& limits() const { return limits_; }
  ParsedComplaint& out() { return *out_; }
  const ParsedComplaint& out() const { return *out_; }

  // The complaint's own id: set before any original's is added.
  void SetReportId(std::string_view id);
  // An original's Message-ID (valid, within max_field): repeats and the
  // complaint's own are dropped, and all after max_ids (a warning).
  void AddId(std::string_view id);
  size_t ids() const { return out_->message_ids.size(); }
  bool full() const { return out_->message_ids.size() >= limits_.max_ids; }

  // A warning, made by `make` only while there is room for it: locating one
  // counts lines, which must not happen for each of a million parts.
  template <typename Make>
  void Warn(Make&& make) {
    if (out_->warnings.size() < kMaxWarnings) out_->warnings.push_back(make());
    else suppressed_++;
  }
  // A problem of structure (a boundary never found or never closed): a
  // warning, and what the error names if no id is found.
  template <typename Make>
  void Structural(Make&& make) {
    if (!structural_.empty()) return Warn(make);
    structural_ = make();
    Warn([&] { return structural_; });
  }
  const std::string& structural() const { return structural_; }

  // "line N" for a place in the input, "part X (decoded), line N" for one in
  // a decoded part, else PartName(label).
  std::string Where(const char* p, std::string_view label) const;

  // Decoded bytes within the budget (twice the input, and 64 KiB): false
  // when n more would pass it.
  bool Budget(size_t n) const { return decoded_ + n <= budget_; }
  // Keeps decoded bytes for the rest of the walk.
  std::string_view Keep(std::string bytes, std::string label);

  // Closes the warnings ("N more warnings").
  void Finish();

 private:
  std::string_view input_;
  const ComplaintLimits& limits_;
  ParsedComplaint* out_;
  std::unordered_set<std::string> seen_;
  size_t suppressed_ = 0;
  bool warned_full_ = false, warned_own_ = false;
  std::string structural_;
  std::deque<std::pair<std::string, std::string>> decoded_parts_;  // bytes, label
  size_t decoded_ = 0, budget_ = 0;
};

}  // namespace spamwall::complaints

#endif  // SPAMWALL_CONTROL_COMPLAINTS_COLLECTOR_H_
