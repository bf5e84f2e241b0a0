#include "control/events/migrations.h"

#include "absl/strings/str_cat.h"

namespace spamwall::events {
namespace {

const char* SchemaMigrationsTable(Dialect d) {
  return d == Dialect::kSqlite
             ? "CREATE TABLE IF NOT EXISTS schema_migrations("
               "version INTEGER PRIMARY KEY, "
               "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
             : "CREATE TABLE IF NOT EXISTS schema_migrations("
               "version INTEGER PRIMARY KEY, "
               "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())";
}

// Runs `body` inside Begin/Commit, rolling back on any error.
template <typename F>
absl::Status InTransaction(SchemaConnection& conn, F&& body) {
  if (absl::Status s = conn.Begin(); !s.ok()) return s;
  absl::Status s = body();
  if (s.ok()) s = conn.Commit();
  if (!s.ok()) conn.Rollback();
  return s;
}

}  // namespace

MigrationStep Portable(std::string sql) { return MigrationStep{sql, sql}; }

const std::vector<Migration>& EventMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       "events table",
       {
           // One table for every kind: the columns controld filters on, and
           // the whole document, so a new event field needs no migration.
           {"CREATE TABLE events(id INTEGER PRIMARY KEY, type TEXT NOT NULL, "
            "ts REAL NOT NULL, subscriber TEXT NOT NULL DEFAULT '', "
            "message_key TEXT NOT NULL DEFAULT '', doc TEXT NOT NULL)",
            "CREATE TABLE events(id BIGSERIAL PRIMARY KEY, type TEXT NOT NULL, "
            "ts DOUBLE PRECISION NOT NULL, subscriber TEXT NOT NULL DEFAULT '', "
            "message_key TEXT NOT NULL DEFAULT '', doc TEXT NOT NULL)"},
           Portable("CREATE INDEX events_message_key ON events(message_key)"),
           Portable("CREATE INDEX events_subscriber_ts ON events(subscriber, ts)"),
           Portable("CREATE INDEX events_ts ON events(ts)"),
           Portable("CREATE INDEX events_type_ts ON events(type, ts)"),
       }},
  };
  return kMigrations;
}

absl::Status Migrate(SchemaConnection& conn, Dialect dialect,
                     const std::vector<Migration>& migrations) {
  int64_t latest = 0;
  for (const Migration& m : migrations) {
    if (m.version <= latest) {
      return absl::InternalError(absl::StrCat("migration ", m.version, " (", m.what,
                                              ") is out of order"));
    }
    latest = m.version;
  }
  int64_t current = 0;
  absl::Status s = InTransaction(conn, [&]() -> absl::Status {
    if (absl::Status e = conn.Exec(SchemaMigrationsTable(dialect)); !e.ok()) return e;
    absl::StatusOr<int64_t> v = conn.Version();
    if (!v.ok()) return v.status();
    current = *v;
    return absl::OkStatus();
  });
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat("schema_migrations: ", s.message()));
  if (current > latest) {
    return absl::FailedPreconditionError(absl::StrCat(
        "schema version ", current, " is newer than this build knows (", latest,
        "): written by a newer spamwall, refusing to open it"));
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    s = InTransaction(conn, [&]() -> absl::Status {
      // Another process may have migrated since we looked: the lock Begin()
      // took makes this second look the one that counts.
      absl::StatusOr<int64_t> v = conn.Version();
      if (!v.ok()) return v.status();
      if (*v >= m.version) return absl::OkStatus();
      for (const MigrationStep& step : m.steps) {
        if (absl::Status e = conn.Exec(step.For(dialect)); !e.ok()) return e;
      }
      return conn.RecordVersion(m.version);
    });
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("migration ", m.version, " (", m.what,
                                                 "): ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace spamwall::events
