#include "control/complaints/complaint.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "control/complaints/collector.h"
#include "control/complaints/message_id.h"
#include "control/complaints/mime.h"
#include "control/complaints/walk.h"

namespace spamwall::complaints {

namespace {

constexpr std::string_view kNoId =
    "complaint: no Message-ID found (neither an ARF report, a forwarded message with the "
    "original's headers, nor a bare <id@host>)";

// Control bytes beyond those of text in the first 4 KiB: not a mail at all.
bool LooksBinary(std::string_view s) {
  s = s.substr(0, 4096);
  size_t odd = 0;
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u == 0) return true;
    if ((u < 0x20 && u != '\t' && u != '\n' && u != '\r' && u != '\f') || u == 0x7f) odd++;
  }
  return odd * 20 > s.size();  // over 5%
}

std::string NoIdError(std::string_view text, const Collector& c, const MimeWalker* walker) {
  const ParsedComplaint& out = c.out();
  if (!c.structural().empty()) {
    // What else went wrong may be the cause as much: the first other warning.
    std::string error = absl::StrCat("complaint: ", c.structural(), "; no Message-ID found");
    for (const std::string& w : out.warnings) {
      if (w == c.structural()) continue;
      absl::StrAppend(&error, "; ", w);
      break;
    }
    return error;
  }
  std::vector<std::string> why;
  if (TrimSpace(text).empty()) {
    why.push_back("the input is empty");
  } else if (LooksBinary(text)) {
    why.push_back("the input is not text");
  } else if (walker && !walker->saw_report() && !walker->forward_separator().empty()) {
    why.push_back(absl::StrCat(walker->forward_separator(),
                               ": a forwarded message without its headers (forward it as an "
                               "attachment, or with its full headers)"));
  } else if (!out.report_message_id.empty() && (!walker || !walker->saw_report())) {
    why.push_back(absl::StrCat(out.report_message_id,
                               " is the complaint's own Message-ID (to look it up, give it alone)"));
  }
  if (!out.warnings.empty()) why.push_back(out.warnings.front());
  return why.empty() ? std::string(kNoId) : absl::StrCat(Av(kNoId), "; ", absl::StrJoin(why, "; "));
}

}  // namespace

const char* ComplaintKindName(ComplaintKind kind) {
  switch (kind) {
    case ComplaintKind::kArf:
      return "arf";
    case ComplaintKind::kForwarded:
      return "forwarded";
    case ComplaintKind::kMessageIds:
      return "message_id";
  }
  return "unknown";
}

absl::StatusOr<ParsedComplaint> ParseComplaint(std::string_view text, const ComplaintLimits& limits) {
  if (text.size() > limits.max_bytes)
    return absl::InvalidArgumentError(absl::StrCat("complaint: larger than ", limits.max_bytes, " bytes"));
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 BOM (Notepad)
  ParsedComplaint out;
  Collector c(text, limits, &out);
  const bool list = ReadBareIds(
      text, limits.max_field, [&](std::string_view id, size_t) { c.AddId(id); },
      [&](std::string_view token, size_t offset, std::string_view why) {
        c.Warn([&] {
          return absl::StrCat(c.Where(text.data() + offset, ""), ": ", Excerpt(token), " ", Av(why),
                              "; skipped");
        });
      });
  MimeWalker walker(&c);
  if (list) {
    out.kind = ComplaintKind::kMessageIds;
  } else {
    if (!walker.WalkComplaint(text)) walker.WalkText(text);
    out.kind = walker.saw_report() ? ComplaintKind::kArf : ComplaintKind::kForwarded;
  }
  c.Finish();
  if (out.message_ids.empty())
    return absl::InvalidArgumentError(NoIdError(text, c, list ? nullptr : &walker));
  return out;
}

}  // namespace spamwall::complaints
