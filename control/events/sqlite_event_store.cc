#include "control/events/sqlite_event_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "control/events/event_row.h"

namespace spamwall::events {
namespace {

constexpr int kBusyTimeoutMs = 5000;

absl::StatusCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL: return absl::StatusCode::kResourceExhausted;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return absl::StatusCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return absl::StatusCode::kDataLoss;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH: return absl::StatusCode::kPermissionDenied;
    case SQLITE_CANTOPEN: return absl::StatusCode::kFailedPrecondition;
    default: return absl::StatusCode::kInternal;
  }
}

int64_t ClampLimit(size_t limit) {
  return static_cast<int64_t>(
      std::min<uint64_t>(limit, static_cast<uint64_t>(std::numeric_limits<int64_t>::max())));
}

// Leaves a cached statement ready for its next use, whatever happened.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* s) : s_(s) {}
  ~ResetOnExit() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* s_;
};

class SqliteEventStore final : public EventStore, private SchemaConnection {
 public:
  explicit SqliteEventStore(std::string path)
      : path_(std::move(path)), describe_("sqlite:" + path_) {}

  ~SqliteEventStore() override {
    for (auto& [sql, stmt] : stmts_) sqlite3_finalize(stmt);
    if (db_ != nullptr) sqlite3_close_v2(db_);
  }

  absl::Status Open(const std::vector<Migration>& migrations) {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = CreateFile(); !s.ok()) return s;
    // NOFOLLOW again: the lstat above and this open are not atomic.
    int rc = sqlite3_open_v2(path_.c_str(), &db_,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) return Error("open", rc);
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    // The first statement reads the header: garbage shows here, not later.
    absl::StatusOr<std::string> mode = PragmaText("PRAGMA journal_mode=WAL");
    if (!mode.ok()) {
      if (mode.status().code() == absl::StatusCode::kDataLoss) {
        return absl::DataLossError(absl::StrCat(
            "event store ", describe_, ": open: ", sqlite3_errmsg(db_),
            " (not an SQLite database, or its header is corrupt); refusing it: move it "
            "aside to start an empty store"));
      }
      return mode.status();
    }
    if (*mode != "wal") {
      return absl::FailedPreconditionError(absl::StrCat(
          "event store ", describe_, ": open: journal_mode is \"", *mode, "\", not wal"));
    }
    absl::Status s = Exec("PRAGMA synchronous=NORMAL");
    if (s.ok()) s = Migrate(*this, Dialect::kSqlite, migrations);
    return s.ok() ? s : Named(s, "open");
  }

  absl::Status Insert(const std::vector<nlohmann::json>& events) override {
    absl::StatusOr<std::vector<EventRow>> rows = ToRows(events, NowSeconds());
    if (!rows.ok()) return Named(rows.status(), "insert");
    if (rows->empty()) return absl::OkStatus();
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Step("insert", "BEGIN IMMEDIATE"); !s.ok()) return s;
    absl::Status s = InsertRows(*rows);
    if (s.ok()) s = Step("insert", "COMMIT");
    if (!s.ok()) RollbackLocked();
    return s;
  }

  absl::StatusOr<std::vector<nlohmann::json>> FindMessage(std::string_view message_id, size_t limit,
                                                          std::string_view type) override {
    std::string key = MessageKey(message_id);
    if (key.empty()) return std::vector<nlohmann::json>();
    std::lock_guard<std::mutex> lock(mu_);
    absl::StatusOr<sqlite3_stmt*> stmt = Prepare(
        "find message",
        "SELECT id, doc FROM events WHERE message_key = ?1 AND type = ?3 "
        "ORDER BY ts DESC, id DESC LIMIT ?2");
    if (!stmt.ok()) return stmt.status();
    ResetOnExit reset(*stmt);
    const std::string type_text(type);
    sqlite3_bind_text(*stmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_int64(*stmt, 2, ClampLimit(limit));
    sqlite3_bind_text(*stmt, 3, type_text.data(), static_cast<int>(type_text.size()), SQLITE_STATIC);
    return ReadDocs("find message", *stmt);
  }

  absl::StatusOr<std::vector<nlohmann::json>> Query(const EventQuery& q) override {
    std::string type = ColumnText(q.type), subscriber = ColumnText(q.subscriber);
    std::string sql = "SELECT id, doc FROM events WHERE ts >= ?1";
    if (!type.empty()) sql += " AND type = ?2";
    if (!subscriber.empty()) sql += " AND subscriber = ?3";
    sql += " ORDER BY ts DESC, id DESC LIMIT ?4";
    std::lock_guard<std::mutex> lock(mu_);
    absl::StatusOr<sqlite3_stmt*> stmt = Prepare("query", sql);
    if (!stmt.ok()) return stmt.status();
    ResetOnExit reset(*stmt);
    BindFilters(*stmt, type, subscriber, q.since);
    sqlite3_bind_int64(*stmt, 4, ClampLimit(q.limit));
    return ReadDocs("query", *stmt);
  }

  absl::StatusOr<uint64_t> Count(std::string_view type_in, std::string_view subscriber_in,
                                 double since) override {
    std::string type = ColumnText(type_in), subscriber = ColumnText(subscriber_in);
    std::string sql = "SELECT count(*) FROM events WHERE ts >= ?1";
    if (!type.empty()) sql += " AND type = ?2";
    if (!subscriber.empty()) sql += " AND subscriber = ?3";
    std::lock_guard<std::mutex> lock(mu_);
    absl::StatusOr<sqlite3_stmt*> stmt = Prepare("count", sql);
    if (!stmt.ok()) return stmt.status();
    ResetOnExit reset(*stmt);
    BindFilters(*stmt, type, subscriber, since);
    return ReadCount("count", *stmt);
  }

  absl::StatusOr<uint64_t> Prune(double older_than_ts) override {
    std::lock_guard<std::mutex> lock(mu_);
    absl::StatusOr<sqlite3_stmt*> stmt = Prepare("prune", "DELETE FROM events WHERE ts < ?1");
    if (!stmt.ok()) return stmt.status();
    ResetOnExit reset(*stmt);
    sqlite3_bind_double(*stmt, 1, std::isnan(older_than_ts) ? 0 : older_than_ts);
    int rc = sqlite3_step(*stmt);
    if (rc != SQLITE_DONE) return Error("prune", rc);
    return static_cast<uint64_t>(sqlite3_changes64(db_));
  }

  absl::StatusOr<uint64_t> Rows() override {
    std::lock_guard<std::mutex> lock(mu_);
    absl::StatusOr<sqlite3_stmt*> stmt = Prepare("rows", "SELECT count(*) FROM events");
    if (!stmt.ok()) return stmt.status();
    ResetOnExit reset(*stmt);
    return ReadCount("rows", *stmt);
  }

  std::string Describe() const override { return describe_; }

 private:
  // Creates the file 0600 (SQLite would create it with the umask's mode)
  // after refusing whatever else sits at the path.
  absl::Status CreateFile() {
    struct stat st;
    if (lstat(path_.c_str(), &st) == 0) {
      if (S_ISLNK(st.st_mode)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "event store ", describe_, ": open: is a symbolic link; refusing to follow it"));
      }
      if (!S_ISREG(st.st_mode)) {
        return absl::FailedPreconditionError(
            absl::StrCat("event store ", describe_, ": open: not a regular file"));
      }
      return absl::OkStatus();
    }
    if (errno != ENOENT) return Errno("open", errno);
    int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) return CreateFile();  // raced with another creator: look again
      return Errno("create", errno);
    }
    int rc = fchmod(fd, 0600);  // whatever the umask
    int err = errno;
    ::close(fd);
    return rc == 0 ? absl::OkStatus() : Errno("create", err);
  }

  absl::Status InsertRows(const std::vector<EventRow>& rows) {
    absl::StatusOr<sqlite3_stmt*> stmt =
        Prepare("insert",
                "INSERT INTO events(type, ts, subscriber, message_key, doc) "
                "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!stmt.ok()) return stmt.status();
    for (const EventRow& row : rows) {
      ResetOnExit reset(*stmt);
      sqlite3_bind_text(*stmt, 1, row.type.data(), static_cast<int>(row.type.size()),
                        SQLITE_STATIC);
      sqlite3_bind_double(*stmt, 2, row.ts);
      sqlite3_bind_text(*stmt, 3, row.subscriber.data(), static_cast<int>(row.subscriber.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(*stmt, 4, row.message_key.data(),
                        static_cast<int>(row.message_key.size()), SQLITE_STATIC);
      sqlite3_bind_text64(*stmt, 5, row.doc.data(), row.doc.size(), SQLITE_STATIC, SQLITE_UTF8);
      int rc = sqlite3_step(*stmt);
      if (rc != SQLITE_DONE) return Error("insert", rc);
    }
    return absl::OkStatus();
  }

  static void BindFilters(sqlite3_stmt* stmt, const std::string& type,
                          const std::string& subscriber, double since) {
    sqlite3_bind_double(stmt, 1, std::isnan(since) ? 0 : since);
    if (!type.empty()) {
      sqlite3_bind_text(stmt, 2, type.data(), static_cast<int>(type.size()), SQLITE_STATIC);
    }
    if (!subscriber.empty()) {
      sqlite3_bind_text(stmt, 3, subscriber.data(), static_cast<int>(subscriber.size()),
                        SQLITE_STATIC);
    }
  }

  absl::StatusOr<std::vector<nlohmann::json>> ReadDocs(absl::string_view op, sqlite3_stmt* stmt) {
    std::vector<nlohmann::json> docs;
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) return docs;
      if (rc != SQLITE_ROW) return Error(op, rc);
      const char* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
      std::string_view doc(text ? text : "", sqlite3_column_bytes(stmt, 1));
      absl::StatusOr<nlohmann::json> parsed = ParseDoc(doc, sqlite3_column_int64(stmt, 0));
      if (!parsed.ok()) return Named(parsed.status(), op);
      docs.push_back(*std::move(parsed));
    }
  }

  absl::StatusOr<uint64_t> ReadCount(absl::string_view op, sqlite3_stmt* stmt) {
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) return Error(op, rc);
    return static_cast<uint64_t>(sqlite3_column_int64(stmt, 0));
  }

  absl::StatusOr<sqlite3_stmt*> Prepare(absl::string_view op, const std::string& sql) {
    auto it = stmts_.find(sql);
    if (it != stmts_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(op, rc);
    stmts_.emplace(sql, stmt);
    return stmt;
  }

  // One statement to completion, its rows ignored.
  absl::Status Step(absl::string_view op, const std::string& sql) {
    absl::StatusOr<sqlite3_stmt*> stmt = Prepare(op, sql);
    if (!stmt.ok()) return stmt.status();
    ResetOnExit reset(*stmt);
    int rc;
    while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
    }
    return rc == SQLITE_DONE ? absl::OkStatus() : Error(op, rc);
  }

  absl::StatusOr<std::string> PragmaText(const std::string& sql) {
    absl::StatusOr<sqlite3_stmt*> stmt = Prepare("open", sql);
    if (!stmt.ok()) return stmt.status();
    ResetOnExit reset(*stmt);
    int rc = sqlite3_step(*stmt);
    if (rc != SQLITE_ROW) return Error("open", rc);
    const unsigned char* text = sqlite3_column_text(*stmt, 0);
    return std::string(text ? reinterpret_cast<const char*>(text) : "");
  }

  // A failed statement may have ended the transaction already (SQLITE_FULL
  // does): roll back only what is still open.
  void RollbackLocked() {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  // errmsg has the detail ("no such table: events") when it is about rc.
  const char* SqlMessage(int rc) const {
    return db_ != nullptr && sqlite3_extended_errcode(db_) == rc ? sqlite3_errmsg(db_)
                                                                 : sqlite3_errstr(rc);
  }

  absl::Status Error(absl::string_view op, int rc) const {
    return absl::Status(CodeFor(rc),
                        absl::StrCat("event store ", describe_, ": ", op, ": ", SqlMessage(rc)));
  }

  absl::Status Errno(absl::string_view op, int err) const {
    absl::StatusCode code = err == ENOSPC ? absl::StatusCode::kResourceExhausted
                            : err == EACCES || err == EPERM ? absl::StatusCode::kPermissionDenied
                                                            : absl::StatusCode::kFailedPrecondition;
    return absl::Status(code,
                        absl::StrCat("event store ", describe_, ": ", op, ": ", std::strerror(err)));
  }

  absl::Status Named(const absl::Status& s, absl::string_view op) const {
    return absl::Status(s.code(), absl::StrCat("event store ", describe_, ": ", op, ": ",
                                               s.message()));
  }

  // SchemaConnection, called by Migrate under mu_ (from Open); Open names
  // the store in its errors.
  absl::Status Begin() override { return Exec("BEGIN IMMEDIATE"); }
  absl::Status Commit() override { return Exec("COMMIT"); }
  void Rollback() override { RollbackLocked(); }
  absl::Status Exec(const std::string& sql) override {
    // DDL runs once: not worth a cached statement.
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc == SQLITE_OK) return absl::OkStatus();
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return absl::Status(CodeFor(rc), msg);
  }
  absl::StatusOr<int64_t> Version() override {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                                -1, &stmt, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    absl::Status s = rc == SQLITE_ROW ? absl::OkStatus() : absl::Status(CodeFor(rc), SqlMessage(rc));
    sqlite3_finalize(stmt);
    if (!s.ok()) return s;
    return v;
  }
  absl::Status RecordVersion(int64_t version) override {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, "INSERT INTO schema_migrations(version) VALUES (?1)", -1,
                                &stmt, nullptr);
    if (rc == SQLITE_OK) {
      sqlite3_bind_int64(stmt, 1, version);
      rc = sqlite3_step(stmt);
    }
    absl::Status s = rc == SQLITE_DONE ? absl::OkStatus() : absl::Status(CodeFor(rc), SqlMessage(rc));
    sqlite3_finalize(stmt);
    return s;
  }

  const std::string path_;
  const std::string describe_;
  std::mutex mu_;
  sqlite3* db_ = nullptr;                      // guarded by mu_
  std::map<std::string, sqlite3_stmt*> stmts_;  // guarded by mu_: the cached statements
};

}  // namespace

absl::StatusOr<std::unique_ptr<EventStore>> OpenSqliteEventStore(
    const std::string& path, const std::vector<Migration>& migrations) {
  auto store = std::make_unique<SqliteEventStore>(path);
  if (absl::Status s = store->Open(migrations); !s.ok()) return s;
  return std::unique_ptr<EventStore>(std::move(store));
}

}  // namespace spamwall::events
