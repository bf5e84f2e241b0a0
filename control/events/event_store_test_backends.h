// The two backends as the typed event store tests see them: a fresh store
// location per test, and raw SQL on it to look under the API (the schema
// version, a planted future version). The PostgreSQL server is one per test
// binary, started on first use and stopped at the end of the run.
#ifndef SPAMWALL_CONTROL_EVENTS_EVENT_STORE_TEST_BACKENDS_H_
#define SPAMWALL_CONTROL_EVENTS_EVENT_STORE_TEST_BACKENDS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "control/events/event_store.h"
#include "control/events/migrations.h"
#include "control/events/temp_postgres.h"

namespace spamwall::events {

// A temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The binary's PostgreSQL server, or why there is none.
absl::StatusOr<TempPostgres*> SharedPostgres();

class SqliteBackend {
 public:
  static constexpr const char* kName = "sqlite";
  static std::string SkipReason() { return ""; }
  absl::Status SetUp() { return absl::OkStatus(); }
  std::string Spec() const { return "sqlite:" + Path(); }
  std::string Path() const { return dir_.path() + "/events.sqlite"; }
  const std::string& StateDir() const { return dir_.path(); }
  absl::StatusOr<std::unique_ptr<EventStore>> OpenWith(const std::vector<Migration>& m) const;
  // The first column of the first row ("" for none).
  absl::StatusOr<std::string> Sql(const std::string& sql) const;
  std::string TableExistsSql(const std::string& table) const {
    return "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'";
  }

 private:
  TempDir dir_;
};

class PostgresBackend {
 public:
  static constexpr const char* kName = "postgres";
  static std::string SkipReason();
  absl::Status SetUp();  // a fresh database
  const std::string& Spec() const { return uri_; }
  const std::string& StateDir() const { return dir_.path(); }
  absl::StatusOr<std::unique_ptr<EventStore>> OpenWith(const std::vector<Migration>& m) const;
  absl::StatusOr<std::string> Sql(const std::string& sql) const;
  std::string TableExistsSql(const std::string& table) const {
    return "SELECT count(*) FROM pg_tables WHERE tablename = '" + table + "'";
  }

 private:
  TempDir dir_;
  std::string uri_;
};

// Raw SQL over libpq, for the PostgreSQL-only tests too.
absl::StatusOr<std::string> PostgresSql(const std::string& uri, const std::string& sql);

}  // namespace spamwall::events

#endif  // SPAMWALL_CONTROL_EVENTS_EVENT_STORE_TEST_BACKENDS_H_
