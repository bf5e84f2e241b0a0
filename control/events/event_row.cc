#include "control/events/event_row.h"

#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "control/events/message_id.h"

namespace spamwall::events {
namespace {

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlongs,
// no surrogates, nothing above U+10FFFF), 0 if there is none.
size_t Utf8Length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) > 0x9F) return 0;   // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(i + 1) > 0x8F) return 0;   // above U+10FFFF
    return 4;
  }
  return 0;
}

std::string StringField(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool FiniteNumber(const nlohmann::json& doc, const char* key, double* out) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_number()) return false;
  double v = it->get<double>();
  if (!std::isfinite(v)) return false;
  *out = v;
  return true;
}

}  // namespace

std::string ColumnText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\0') {
      ++i;
      continue;
    }
    size_t n = Utf8Length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

std::string MessageKey(std::string_view message_id) {
  return ColumnText(NormalizeMessageId(message_id));
}

absl::StatusOr<std::vector<EventRow>> ToRows(const std::vector<nlohmann::json>& events,
                                             double now) {
  std::vector<EventRow> rows;
  rows.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const nlohmann::json& doc = events[i];
    if (!doc.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("event ", i, " of the batch: not a JSON object (", doc.type_name(),
                       "); nothing of the batch was written"));
    }
    auto type = doc.find("type");
    if (type == doc.end() || !type->is_string() || type->get_ref<const std::string&>().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("event ", i, " of the batch: no string \"type\"; nothing of the batch "
                       "was written"));
    }
    EventRow row;
    row.type = ColumnText(type->get_ref<const std::string&>());
    if (!FiniteNumber(doc, "ts", &row.ts) && !FiniteNumber(doc, "ts_start", &row.ts)) {
      row.ts = now;
    }
    row.subscriber = ColumnText(StringField(doc, "subscriber"));
    row.message_key = MessageKey(StringField(doc, "message_id"));
    // `replace`: text from the wire may not be UTF-8; the store must not
    // throw on it (the dataplane already writes U+FFFD, controld may not).
    row.doc = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    rows.push_back(std::move(row));
  }
  return rows;
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::StatusOr<nlohmann::json> ParseDoc(std::string_view text, int64_t id) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return absl::DataLossError(absl::StrCat("event ", id, ": stored document is not JSON"));
  }
  return doc;
}

}  // namespace spamwall::events
