#include "control/events/event_store.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "control/events/postgres_event_store.h"
#include "control/events/sqlite_event_store.h"
#include "control/events/uri_redact.h"

namespace spamwall::events {

absl::StatusOr<std::unique_ptr<EventStore>> OpenEventStore(const std::string& spec,
                                                           const std::string& state_dir) {
  if (spec.empty() || spec == "sqlite") {
    if (state_dir.empty()) {
      return absl::InvalidArgumentError("event store \"sqlite\": no state directory to put it in");
    }
    return OpenSqliteEventStore(state_dir + "/events.sqlite");
  }
  if (absl::StartsWith(spec, "sqlite:")) {
    std::string path = spec.substr(7);
    if (path.empty() || path[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("event store spec \"", spec, "\": the path must be absolute"));
    }
    return OpenSqliteEventStore(path);
  }
  if (absl::StartsWith(spec, "postgresql://") || absl::StartsWith(spec, "postgres://")) {
    return OpenPostgresEventStore(spec);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "event store spec \"", RedactUri(spec),
      "\": unknown; expected \"sqlite\", \"sqlite:/absolute/path\" or \"postgresql://...\""));
}

}  // namespace spamwall::events
