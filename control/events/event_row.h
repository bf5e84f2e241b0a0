// What both backends store for an event, derived once from its document, and
// the text rules for the indexed columns: valid UTF-8 without NUL, because
// PostgreSQL's TEXT refuses anything else and both backends must agree on
// the key a lookup is compared with.
#ifndef SPAMWALL_CONTROL_EVENTS_EVENT_ROW_H_
#define SPAMWALL_CONTROL_EVENTS_EVENT_ROW_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace spamwall::events {

struct EventRow {
  std::string type;
  double ts = 0;
  std::string subscriber;
  std::string message_key;
  std::string doc;  // the document as compact JSON
};

// Bad UTF-8 as U+FFFD, NUL bytes dropped.
std::string ColumnText(std::string_view s);
// The message_key of a Message-ID as given: ColumnText(NormalizeMessageId()).
std::string MessageKey(std::string_view message_id);

// The rows of a batch, or InvalidArgument naming the first bad document.
// `now`: the ts of an event with neither `ts` nor `ts_start`.
absl::StatusOr<std::vector<EventRow>> ToRows(const std::vector<nlohmann::json>& events,
                                             double now);
// The current time as Unix seconds.
double NowSeconds();

// A stored document back as JSON; DataLoss naming the row when it is not.
absl::StatusOr<nlohmann::json> ParseDoc(std::string_view text, int64_t id);

}  // namespace spamwall::events

#endif  // SPAMWALL_CONTROL_EVENTS_EVENT_ROW_H_
