#include "control/events/event_store_test_backends.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "control/events/postgres_event_store.h"
#include "control/events/sqlite_event_store.h"

namespace spamwall::events {
namespace {

struct Shared {
  bool tried = false;
  absl::Status error;
  std::unique_ptr<TempPostgres> server;
};

Shared& SharedState() {
  static Shared shared;
  return shared;
}

// Stops the server once every test ran, failed or not.
class StopPostgres : public ::testing::Environment {
 public:
  void TearDown() override { SharedState().server.reset(); }
};
[[maybe_unused]] ::testing::Environment* const kStopPostgres =
    ::testing::AddGlobalTestEnvironment(new StopPostgres);

}  // namespace

TempDir::TempDir() {
  char tmpl[] = "/tmp/spamwall-events-test.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

absl::StatusOr<TempPostgres*> SharedPostgres() {
  Shared& s = SharedState();
  if (!s.tried) {
    s.tried = true;
    absl::StatusOr<std::unique_ptr<TempPostgres>> started = TempPostgres::Start();
    if (started.ok()) s.server = *std::move(started);
    else s.error = started.status();
  }
  if (!s.error.ok()) return s.error;
  return s.server.get();
}

absl::StatusOr<std::unique_ptr<EventStore>> SqliteBackend::OpenWith(
    const std::vector<Migration>& m) const {
  return OpenSqliteEventStore(Path(), m);
}

absl::StatusOr<std::string> SqliteBackend::Sql(const std::string& sql) const {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(Path().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_stmt* stmt = nullptr;
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  std::string out;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    if (rc == SQLITE_ROW) rc = SQLITE_DONE;
  }
  absl::Status s = rc == SQLITE_DONE ? absl::OkStatus()
                                     : absl::InternalError(absl::StrCat(sql, ": ", sqlite3_errmsg(db)));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  if (!s.ok()) return s;
  return out;
}

std::string PostgresBackend::SkipReason() {
  if (!TempPostgres::Installed()) {
    return absl::StrCat("PostgreSQL 15 is not installed (no ", TempPostgres::kBinDir,
                        "/initdb): apt-get install postgresql-15");
  }
  return "";
}

absl::Status PostgresBackend::SetUp() {
  absl::StatusOr<TempPostgres*> pg = SharedPostgres();
  if (!pg.ok()) return pg.status();
  absl::StatusOr<std::string> uri = (*pg)->CreateDatabase();
  if (!uri.ok()) return uri.status();
  uri_ = *uri;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<EventStore>> PostgresBackend::OpenWith(
    const std::vector<Migration>& m) const {
  return OpenPostgresEventStore(uri_, m);
}

absl::StatusOr<std::string> PostgresBackend::Sql(const std::string& sql) const {
  return PostgresSql(uri_, sql);
}

absl::StatusOr<std::string> PostgresSql(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  absl::Status s = absl::OkStatus();
  std::string out;
  if (PQstatus(conn) != CONNECTION_OK) {
    s = absl::UnavailableError(PQerrorMessage(conn));
  } else {
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(conn, sql.c_str());
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      s = absl::InternalError(absl::StrCat(sql, ": ", PQerrorMessage(conn)));
    }
    PQclear(r);
  }
  PQfinish(conn);
  if (!s.ok()) return s;
  return out;
}

}  // namespace spamwall::events
