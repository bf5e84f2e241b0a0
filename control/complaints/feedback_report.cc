#include "control/complaints/feedback_report.h"

#include "absl/strings/str_cat.h"
#include "control/complaints/collector.h"
#include "control/complaints/mime.h"

namespace spamwall::complaints {

void FeedbackReportReader::Set(std::string* slot, std::string_view value, std::string_view name) {
  bool cut = false;
  *slot = BoundedField(value, max_, &cut);
  if (cut) cut_.emplace_back(name);
}

void FeedbackReportReader::Read(std::string_view text) {
  ParsedComplaint& out = *out_;
  ReadHeaderFields(text, [&](const HeaderField& f) {
    if (IEquals(f.name, "Feedback-Type")) {
      if (out.feedback_type.empty()) Set(&out.feedback_type, Lower(f.value), "Feedback-Type");
    } else if (IEquals(f.name, "User-Agent")) {
      if (out.user_agent.empty()) Set(&out.user_agent, f.value, "User-Agent");
    } else if (IEquals(f.name, "Source-IP")) {
      if (out.source_ip.empty()) Set(&out.source_ip, f.value, "Source-IP");
    } else if (IEquals(f.name, "Original-Mail-From")) {
      if (out.original_mail_from.empty()) Set(&out.original_mail_from, f.value, "Original-Mail-From");
    } else if (IEquals(f.name, "Arrival-Date")) {
      if (!arrival_) Set(&out.arrival_date, f.value, "Arrival-Date");
      arrival_ = true;
    } else if (IEquals(f.name, "Received-Date")) {
      if (!arrival_ && out.arrival_date.empty()) Set(&out.arrival_date, f.value, "Received-Date");
    } else if (IEquals(f.name, "Reported-Domain")) {
      std::string& d = out.reported_domain;
      if (!d.empty() && d.size() + 2 >= max_) return;  // full: the rest would be cut away
      bool cut = false;
      d = BoundedField(d.empty() ? std::string(f.value) : absl::StrCat(d, ", ", Av(f.value)), max_, &cut);
    }
  });
}

}  // namespace spamwall::complaints
