// The event store in PostgreSQL, for a carrier that keeps its events in a
// shared database: the schema of the SQLite store, over one libpq
// connection (controld's few threads take turns on a mutex), parameterized
// queries only. A dropped connection is reset at the next call.
#ifndef SPAMWALL_CONTROL_EVENTS_POSTGRES_EVENT_STORE_H_
#define SPAMWALL_CONTROL_EVENTS_POSTGRES_EVENT_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "control/events/event_store.h"
#include "control/events/migrations.h"

namespace spamwall::events {

// `uri`: a libpq connection URI ("postgresql://user@host/db",
// "postgresql:///db?host=/run/postgresql"). Unavailable when the server
// cannot be reached, naming it without the password.
absl::StatusOr<std::unique_ptr<EventStore>> OpenPostgresEventStore(
    const std::string& uri, const std::vector<Migration>& migrations = EventMigrations());

}  // namespace spamwall::events

#endif  // SPAMWALL_CONTROL_EVENTS_POSTGRES_EVENT_STORE_H_
