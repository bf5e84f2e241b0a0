// The event store's schema as an ordered list of versioned migrations, and
// the one routine both backends use to bring a database up to date. Adding a
// v2 is appending one entry to EventMigrations(); nothing else changes.
// Each migration runs in its own transaction together with its row in
// schema_migrations, so a failed step leaves the previous version intact.
#ifndef SPAMWALL_CONTROL_EVENTS_MIGRATIONS_H_
#define SPAMWALL_CONTROL_EVENTS_MIGRATIONS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace spamwall::events {

enum class Dialect { kSqlite, kPostgres };

// One SQL statement, spelled for each dialect (types differ: INTEGER PRIMARY
// KEY / BIGSERIAL, REAL / DOUBLE PRECISION).
struct MigrationStep {
  std::string sqlite;
  std::string postgres;
  const std::string& For(Dialect d) const { return d == Dialect::kSqlite ? sqlite : postgres; }
};
// A statement both dialects spell the same way.
MigrationStep Portable(std::string sql);

struct Migration {
  int64_t version;   // 1, 2, ... strictly increasing
  std::string what;  // named in errors
  std::vector<MigrationStep> steps;
};

// The schema of this build.
const std::vector<Migration>& EventMigrations();

// What Migrate needs from a connection. Begin() must take a lock that keeps
// two processes from migrating at once (SQLite: BEGIN IMMEDIATE; PostgreSQL:
// an advisory transaction lock).
class SchemaConnection {
 public:
  virtual ~SchemaConnection() = default;
  virtual absl::Status Begin() = 0;
  virtual absl::Status Commit() = 0;
  virtual void Rollback() = 0;
  virtual absl::Status Exec(const std::string& sql) = 0;
  // COALESCE(MAX(version), 0) of schema_migrations.
  virtual absl::StatusOr<int64_t> Version() = 0;
  virtual absl::Status RecordVersion(int64_t version) = 0;
};

// Creates schema_migrations when missing, refuses (FailedPrecondition) a
// database whose version is newer than the last of `migrations`, and applies
// those above the database's version, in order.
absl::Status Migrate(SchemaConnection& conn, Dialect dialect,
                     const std::vector<Migration>& migrations);

}  // namespace spamwall::events

#endif  // SPAMWALL_CONTROL_EVENTS_MIGRATIONS_H_
