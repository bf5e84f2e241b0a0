#include "control/complaints/collector.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "control/complaints/mime.h"

namespace spamwall::complaints {

namespace {

bool Within(const char* p, std::string_view s) {
  // std::less: a total order even for pointers into different objects.
  return !std::less<const char*>()(p, s.data()) &&
         !std::less<const char*>()(s.data() + s.size(), p);
}

size_t LineOf(std::string_view s, const char* p) {
  return 1 + static_cast<size_t>(std::count(s.data(), p, '\n'));
}

}  // namespace

std::string Excerpt(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < 60; i++) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    out.push_back(c >= 0x20 && c < 0x7f && c != '"' ? static_cast<char>(c) : '?');
  }
  if (s.size() > 60) out.append("...");
  out.push_back('"');
  return out;
}

std::string BoundedField(std::string_view v, size_t max, bool* cut) {
  *cut = v.size() > max;
  size_t n = std::min(v.size(), max);
  if (*cut) {
    // Back to the lead byte of a sequence the cut splits (at most 3 back).
    for (int back = 0; back < 3 && n > 0 && (static_cast<unsigned char>(v[n]) & 0xc0) == 0x80;
         back++)
      n--;
  }
  std::string out(v.substr(0, n));
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  const std::string_view kept = TrimSpace(out);
  return std::string(kept);
}

std::string PartName(std::string_view label) {
  return label.empty() ? std::string("the message body") : absl::StrCat("part ", Av(label));
}

Collector::Collector(std::string_view input, const ComplaintLimits& limits, ParsedComplaint* out)
    : input_(input), limits_(limits), out_(out), budget_(2 * input.size() + (64 << 10)) {}

void Collector::SetReportId(std::string_view id) { out_->report_message_id = std::string(id); }

void Collector::AddId(std::string_view id) {
  if (!out_->report_message_id.empty() && id == out_->report_message_id) {
    if (!warned_own_)
      Warn([&] {
        return absl::StrCat("the complaint's own Message-ID ", Excerpt(id),
                            " also appears as an original's; not taken");
      });
    warned_own_ = true;
    return;
  }
  if (seen_.count(std::string(id))) return;
  if (full()) {
    if (!warned_full_)
      Warn([&] { return absl::StrCat("more than ", limits_.max_ids, " Message-IDs; the rest ignored"); });
    warned_full_ = true;
    return;
  }
  seen_.insert(std::string(id));
  out_->message_ids.emplace_back(id);
}

std::string Collector::Where(const char* p, std::string_view label) const {
  if (p && Within(p, input_)) return absl::StrCat("line ", LineOf(input_, p));
  if (p) {
    for (const auto& [bytes, part] : decoded_parts_)
      if (Within(p, bytes))
        return absl::StrCat(PartName(part), " (decoded), line ", LineOf(bytes, p));
  }
  return PartName(label);
}

std::string_view Collector::Keep(std::string bytes, std::string label) {
  decoded_ += bytes.size();
  decoded_parts_.emplace_back(std::move(bytes), std::move(label));
  return decoded_parts_.back().first;
}

void Collector::Finish() {
  if (suppressed_ > 0) out_->warnings.push_back(absl::StrCat(suppressed_, " more warnings"));
  suppressed_ = 0;
}

}  // namespace spamwall::complaints
