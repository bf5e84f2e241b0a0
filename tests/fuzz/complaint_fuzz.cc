// libFuzzer target: any bytes as an abuse complaint (byte 0 picks the
// limits: bit 0 tiny ones every input reaches, bit 1 a second parse that
// must agree). Checks what spamwallctl complaint and the event lookup rely
// on: no crash or overread (an exact-size copy), an error that says
// "complaint: ...", and a result whose ids are distinct Message-IDs within
// the limits, never the complaint's own, found verbatim in the input when
// nothing was decoded, with bounded fields and warnings.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "control/complaints/complaint.h"

namespace {

using spamwall::complaints::ComplaintKind;
using spamwall::complaints::ComplaintLimits;
using spamwall::complaints::ParseComplaint;
using spamwall::complaints::ParsedComplaint;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool Contains(std::string_view text, std::string_view word) {  // ASCII case-insensitive
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  for (size_t i = 0; i + word.size() <= text.size(); i++) {
    size_t k = 0;
    while (k < word.size() && lower(text[i + k]) == word[k]) k++;
    if (k == word.size()) return true;
  }
  return false;
}

// A Message-ID as returned: "<inside>" or an unbracketed left@right, inside
// visible bytes with an '@' between others.
void CheckId(const std::string& id, const ComplaintLimits& l) {
  Check(!id.empty() && id.size() <= l.max_field);
  std::string_view in = id;
  if (in.front() == '<') {
    Check(in.size() >= 2 && in.back() == '>');
    in = in.substr(1, in.size() - 2);
  }
  for (char c : in) {
    const unsigned char u = static_cast<unsigned char>(c);
    Check(u > 0x20 && u != 0x7f && c != '<' && c != '>');
  }
  const size_t at = in.rfind('@');
  Check(at != std::string_view::npos && at > 0 && at + 1 < in.size());
}

void CheckField(const std::string& f, const ComplaintLimits& l) {
  Check(f.size() <= l.max_field);
  for (char c : f) Check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
}

void CheckResult(const ParsedComplaint& c, std::string_view text, const ComplaintLimits& l) {
  Check(!c.message_ids.empty() && c.message_ids.size() <= l.max_ids);
  std::set<std::string> distinct(c.message_ids.begin(), c.message_ids.end());
  Check(distinct.size() == c.message_ids.size());
  Check(!distinct.count(c.report_message_id));
  for (const std::string& id : c.message_ids) CheckId(id, l);
  if (!c.report_message_id.empty()) CheckId(c.report_message_id, l);
  for (const std::string* f : {&c.feedback_type, &c.user_agent, &c.reported_domain, &c.source_ip,
                               &c.original_mail_from, &c.arrival_date})
    CheckField(*f, l);
  if (c.kind == ComplaintKind::kMessageIds) {
    Check(c.report_message_id.empty() && c.feedback_type.empty() && c.user_agent.empty());
    for (const std::string& id : c.message_ids) Check(id.front() == '<');
  }
  if (!c.feedback_type.empty()) Check(c.kind == ComplaintKind::kArf);
  const std::string_view kind = spamwall::complaints::ComplaintKindName(c.kind);
  Check(kind == "arf" || kind == "forwarded" || kind == "message_id");
  Check(c.warnings.size() <= 33);
  for (const std::string& w : c.warnings) Check(!w.empty() && w.size() <= 1024);
  // Nothing decoded (no transfer encoding, no HTML): each id is in the input as it is.
  if (!Contains(text, "base64") && !Contains(text, "quoted-printable") && !Contains(text, "html"))
    for (const std::string& id : c.message_ids) Check(text.find(id) != std::string_view::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ComplaintLimits limits;
  if (data[0] & 1) {  // small limits, so that short inputs reach every bound
    limits.max_bytes = 8192;
    limits.max_ids = 3;
    limits.max_depth = 2;
    limits.max_field = 32;
  }
  // An exact-size heap copy, so that ASan sees a read past the complaint.
  const std::vector<char> copy(data + 1, data + size);
  const std::string_view text(copy.data(), copy.size());
  const auto r = ParseComplaint(text, limits);
  if (text.size() > limits.max_bytes) {
    Check(!r.ok() && r.status().message() ==
                         "complaint: larger than " + std::to_string(limits.max_bytes) + " bytes");
    return 0;
  }
  if (r.ok()) {
    CheckResult(*r, text, limits);
  } else {
    Check(r.status().code() == absl::StatusCode::kInvalidArgument);
    const auto m = r.status().message();
    Check(m.substr(0, 11) == "complaint: " && m.size() <= 4096);
  }
  if (data[0] & 2) {  // the same bytes, the same answer
    const auto again = ParseComplaint(text, limits);
    Check(again.ok() == r.ok());
    if (r.ok())
      Check(again->message_ids == r->message_ids && again->warnings == r->warnings &&
            again->report_message_id == r->report_message_id && again->kind == r->kind);
    else
      Check(again.status() == r.status());
  }
  return 0;
}
