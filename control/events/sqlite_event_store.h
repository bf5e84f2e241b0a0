// The event store in one SQLite file (the default: no server to run). WAL,
// so controld's readers do not wait on its writer; synchronous=NORMAL,
// because losing the last events at a power cut is acceptable, an fsync per
// batch is not. The file is created 0600 and never reached through a
// symbolic link.
#ifndef SPAMWALL_CONTROL_EVENTS_SQLITE_EVENT_STORE_H_
#define SPAMWALL_CONTROL_EVENTS_SQLITE_EVENT_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "control/events/event_store.h"
#include "control/events/migrations.h"

namespace spamwall::events {

// `path`: absolute. `migrations`: the schema to bring the file to (tests
// pass a longer list to exercise a later version).
absl::StatusOr<std::unique_ptr<EventStore>> OpenSqliteEventStore(
    const std::string& path, const std::vector<Migration>& migrations = EventMigrations());

}  // namespace spamwall::events

#endif  // SPAMWALL_CONTROL_EVENTS_SQLITE_EVENT_STORE_H_
