// The fields of a message/feedback-report part (RFC 5965 3.1) that a parsed
// complaint keeps, each bounded for printing.
#ifndef SPAMWALL_CONTROL_COMPLAINTS_FEEDBACK_REPORT_H_
#define SPAMWALL_CONTROL_COMPLAINTS_FEEDBACK_REPORT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "control/complaints/complaint.h"

namespace spamwall::complaints {

class FeedbackReportReader {
 public:
  FeedbackReportReader(size_t max_field, ParsedComplaint* out) : max_(max_field), out_(out) {}

  // Reads the fields at the start of `text` (a header block) into the
  // complaint: the first Feedback-Type (lowercase), User-Agent, Source-IP,
  // Original-Mail-From; Arrival-Date, else Received-Date (the older drafts'
  // name); every Reported-Domain, ", " between. Each at most max_field
  // bytes (BoundedField). Read again, fields already set stay.
  void Read(std::string_view text);

  // The names of the fields cut to max_field, once each.
  const std::vector<std::string>& cut() const { return cut_; }

 private:
  void Set(std::string* slot, std::string_view value, std::string_view name);

  size_t max_;
  ParsedComplaint* out_;
  bool arrival_ = false;  // Arrival-Date seen
  std::vector<std::string> cut_;
};

}  // namespace spamwall::complaints

#endif  // SPAMWALL_CONTROL_COMPLAINTS_FEEDBACK_REPORT_H_
