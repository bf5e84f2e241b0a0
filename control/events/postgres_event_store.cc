#include "control/events/postgres_event_store.h"

#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "control/events/event_row.h"
#include "control/events/uri_redact.h"

namespace spamwall::events {
namespace {

// Rows per INSERT statement: one round trip each, far below libpq's 65535
// parameters (5 a row).
constexpr size_t kRowsPerInsert = 500;
// Taken by every migration transaction, so two controlds starting at once
// do not both create the schema. Any constant: "SpWl".
constexpr const char* kMigrationLock = "1399878508";

using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string DoubleText(double v) {
  if (std::isnan(v)) v = 0;
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest that round-trips
  return std::string(buf, end);
}

std::string LimitText(size_t limit) {
  return std::to_string(std::min<uint64_t>(limit, std::numeric_limits<int64_t>::max()));
}

// libpq's messages end in a newline and continue on tabbed lines.
std::string OneLine(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

absl::StatusCode CodeFor(const char* sqlstate) {
  std::string_view s = sqlstate ? sqlstate : "";
  std::string_view cls = s.substr(0, 2);
  if (cls == "53") return absl::StatusCode::kResourceExhausted;  // disk full, out of memory
  if (cls == "08" || cls == "57") return absl::StatusCode::kUnavailable;  // connection, shutdown
  if (cls == "40") return absl::StatusCode::kAborted;  // serialization, deadlock
  if (cls == "42" && s == "42501") return absl::StatusCode::kPermissionDenied;
  if (cls == "22" || cls == "23") return absl::StatusCode::kInvalidArgument;
  return absl::StatusCode::kInternal;
}

// "postgresql://user@host:port/db", or with ?host= for a socket directory.
std::string DescribeConn(const char* user, const char* host, const char* port, const char* db) {
  auto set = [](const char* s) { return s != nullptr && *s != '\0'; };
  std::string out = "postgresql://";
  if (set(user)) absl::StrAppend(&out, user, "@");
  bool socket_dir = set(host) && host[0] == '/';
  if (set(host) && !socket_dir) absl::StrAppend(&out, host);
  if (set(port) && std::string_view(port) != "5432") absl::StrAppend(&out, ":", port);
  absl::StrAppend(&out, "/", set(db) ? db : "");
  if (socket_dir) absl::StrAppend(&out, "?host=", host);
  return out;
}

class PostgresEventStore final : public EventStore, private SchemaConnection {
 public:
  PostgresEventStore(PGconn* conn, std::string describe, std::vector<std::string> secrets)
      : describe_(std::move(describe)), secrets_(std::move(secrets)), conn_(conn) {}
  ~PostgresEventStore() override { PQfinish(conn_); }

  absl::Status ApplyMigrations(const std::vector<Migration>& migrations) {
    std::lock_guard<std::mutex> lock(mu_);
    absl::Status s = events::Migrate(*this, Dialect::kPostgres, migrations);
    return s.ok() ? s : Named(s, "open");
  }

  absl::Status Insert(const std::vector<nlohmann::json>& events) override {
    absl::StatusOr<std::vector<EventRow>> rows = ToRows(events, NowSeconds());
    if (!rows.ok()) return Named(rows.status(), "insert");
    if (rows->empty()) return absl::OkStatus();
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Ready("insert"); !s.ok()) return s;
    // One statement is atomic by itself; several need the transaction.
    bool several = rows->size() > kRowsPerInsert;
    if (several) {
      if (absl::StatusOr<Result> r = Run("insert", "BEGIN", {}); !r.ok()) return r.status();
    }
    absl::Status s = absl::OkStatus();
    for (size_t first = 0; first < rows->size() && s.ok(); first += kRowsPerInsert) {
      size_t n = std::min(kRowsPerInsert, rows->size() - first);
      std::string sql = "INSERT INTO events(type, ts, subscriber, message_key, doc) VALUES ";
      std::vector<std::string> params;
      params.reserve(n * 5);
      for (size_t i = 0; i < n; ++i) {
        const EventRow& row = (*rows)[first + i];
        size_t p = i * 5;
        absl::StrAppend(&sql, i ? "," : "", "($", p + 1, ",$", p + 2, ",$", p + 3, ",$", p + 4,
                        ",$", p + 5, ")");
        params.push_back(row.type);
        params.push_back(DoubleText(row.ts));
        params.push_back(row.subscriber);
        params.push_back(row.message_key);
        params.push_back(row.doc);
      }
      s = Run("insert", sql, params).status();
    }
    if (several) {
      if (s.ok()) s = Run("insert", "COMMIT", {}).status();
      if (!s.ok()) RollbackLocked();
    }
    return s;
  }

  absl::StatusOr<std::vector<nlohmann::json>> FindMessage(std::string_view message_id, size_t limit,
                                                          std::string_view type) override {
    std::string key = MessageKey(message_id);
    if (key.empty()) return std::vector<nlohmann::json>();
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Ready("find message"); !s.ok()) return s;
    return Docs("find message",
                "SELECT id, doc FROM events WHERE message_key = $1 AND type = $2 "
                "ORDER BY ts DESC, id DESC LIMIT $3",
                {key, std::string(type), LimitText(limit)});
  }

  absl::StatusOr<std::vector<nlohmann::json>> Query(const EventQuery& q) override {
    std::vector<std::string> params;
    std::string sql = "SELECT id, doc FROM events WHERE " +
                      Filters(ColumnText(q.type), ColumnText(q.subscriber), q.since, &params);
    params.push_back(LimitText(q.limit));
    absl::StrAppend(&sql, " ORDER BY ts DESC, id DESC LIMIT $", params.size());
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Ready("query"); !s.ok()) return s;
    return Docs("query", sql, params);
  }

  absl::StatusOr<uint64_t> Count(std::string_view type, std::string_view subscriber,
                                 double since) override {
    std::vector<std::string> params;
    std::string sql = "SELECT count(*) FROM events WHERE " +
                      Filters(ColumnText(type), ColumnText(subscriber), since, &params);
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Ready("count"); !s.ok()) return s;
    return Number("count", sql, params);
  }

  absl::StatusOr<uint64_t> Prune(double older_than_ts) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Ready("prune"); !s.ok()) return s;
    absl::StatusOr<Result> r =
        Run("prune", "DELETE FROM events WHERE ts < $1", {DoubleText(older_than_ts)});
    if (!r.ok()) return r.status();
    return std::strtoull(PQcmdTuples(r->get()), nullptr, 10);
  }

  absl::StatusOr<uint64_t> Rows() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Ready("rows"); !s.ok()) return s;
    return Number("rows", "SELECT count(*) FROM events", {});
  }

  std::string Describe() const override { return describe_; }

 private:
  static std::string Filters(const std::string& type, const std::string& subscriber,
                             double since, std::vector<std::string>* params) {
    params->push_back(DoubleText(since));
    std::string sql = "ts >= $1";
    if (!type.empty()) {
      params->push_back(type);
      absl::StrAppend(&sql, " AND type = $", params->size());
    }
    if (!subscriber.empty()) {
      params->push_back(subscriber);
      absl::StrAppend(&sql, " AND subscriber = $", params->size());
    }
    return sql;
  }

  // A connection that dropped since the last call is reset once; a
  // transaction a failed call left open is rolled back.
  absl::Status Ready(absl::string_view op) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      PQreset(conn_);
      if (PQstatus(conn_) != CONNECTION_OK) {
        return absl::UnavailableError(absl::StrCat("event store ", describe_, ": ", op,
                                                   ": reconnect: ", ConnError()));
      }
    }
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) RollbackLocked();
    return absl::OkStatus();
  }

  absl::StatusOr<Result> Run(absl::string_view op, const std::string& sql,
                             const std::vector<std::string>& params) {
    absl::StatusOr<Result> r = RunRaw(sql, params);
    if (!r.ok()) return Named(r.status(), op);
    return r;
  }

  // Text parameters, types inferred by the server from the columns.
  absl::StatusOr<Result> RunRaw(const std::string& sql, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const std::string& p : params) values.push_back(p.c_str());
    Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), nullptr, nullptr, 0),
             &PQclear);
    ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    const char* sqlstate = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = r ? PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string msg = primary ? Scrub(primary, secrets_) : ConnError();
    absl::StatusCode code = PQstatus(conn_) != CONNECTION_OK ? absl::StatusCode::kUnavailable
                                                             : CodeFor(sqlstate);
    return absl::Status(code, msg);
  }

  absl::StatusOr<std::vector<nlohmann::json>> Docs(absl::string_view op, const std::string& sql,
                                                   const std::vector<std::string>& params) {
    absl::StatusOr<Result> r = Run(op, sql, params);
    if (!r.ok()) return r.status();
    std::vector<nlohmann::json> docs;
    int n = PQntuples(r->get());
    docs.reserve(n);
    for (int i = 0; i < n; ++i) {
      int64_t id = std::strtoll(PQgetvalue(r->get(), i, 0), nullptr, 10);
      absl::StatusOr<nlohmann::json> doc = ParseDoc(
          std::string_view(PQgetvalue(r->get(), i, 1), PQgetlength(r->get(), i, 1)), id);
      if (!doc.ok()) return Named(doc.status(), op);
      docs.push_back(*std::move(doc));
    }
    return docs;
  }

  absl::StatusOr<uint64_t> Number(absl::string_view op, const std::string& sql,
                                  const std::vector<std::string>& params) {
    absl::StatusOr<Result> r = Run(op, sql, params);
    if (!r.ok()) return r.status();
    if (PQntuples(r->get()) != 1) {
      return absl::InternalError(absl::StrCat("event store ", describe_, ": ", op, ": no row"));
    }
    return std::strtoull(PQgetvalue(r->get(), 0, 0), nullptr, 10);
  }

  void RollbackLocked() {
    if (PQstatus(conn_) == CONNECTION_OK) (void)RunRaw("ROLLBACK", {});
  }

  std::string ConnError() const { return Scrub(OneLine(PQerrorMessage(conn_)), secrets_); }

  absl::Status Named(const absl::Status& s, absl::string_view op) const {
    return absl::Status(s.code(),
                        absl::StrCat("event store ", describe_, ": ", op, ": ", s.message()));
  }

  // SchemaConnection, called by Migrate under mu_ (from Open).
  absl::Status Begin() override {
    if (absl::Status s = RunRaw("BEGIN", {}).status(); !s.ok()) return s;
    return RunRaw("SELECT pg_advisory_xact_lock($1)", {kMigrationLock}).status();
  }
  absl::Status Commit() override { return RunRaw("COMMIT", {}).status(); }
  void Rollback() override { RollbackLocked(); }
  absl::Status Exec(const std::string& sql) override { return RunRaw(sql, {}).status(); }
  absl::StatusOr<int64_t> Version() override {
    absl::StatusOr<Result> r = RunRaw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
    if (!r.ok()) return r.status();
    return std::strtoll(PQgetvalue(r->get(), 0, 0), nullptr, 10);
  }
  absl::Status RecordVersion(int64_t version) override {
    return RunRaw("INSERT INTO schema_migrations(version) VALUES ($1)", {std::to_string(version)})
        .status();
  }

  const std::string describe_;
  const std::vector<std::string> secrets_;
  std::mutex mu_;
  PGconn* conn_;  // guarded by mu_
};

}  // namespace

absl::StatusOr<std::unique_ptr<EventStore>> OpenPostgresEventStore(
    const std::string& uri, const std::vector<Migration>& migrations) {
  std::vector<std::string> secrets = UriPasswords(uri);
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(uri.c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err ? Scrub(OneLine(err), secrets) : "cannot parse it";
    PQfreemem(err);
    return absl::InvalidArgumentError(
        absl::StrCat("event store spec \"", RedactUri(uri), "\": ", msg));
  }
  const char *user = nullptr, *host = nullptr, *port = nullptr, *db = nullptr;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    std::string_view k = o->keyword;
    if (k == "user") user = o->val;
    if (k == "host") host = o->val;
    if (k == "port") port = o->val;
    if (k == "dbname") db = o->val;
  }
  std::string planned = DescribeConn(user, host, port, db);
  PQconninfoFree(opts);

  // Defaults first: the URI's own settings, expanded in dbname's place,
  // override them.
  const char* keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                        nullptr};
  const char* values[] = {"10", "spamwall-controld", "UTF8", uri.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("event store ", planned, ": connect: out of memory"));
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = Scrub(OneLine(PQerrorMessage(conn)), secrets);
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("event store ", planned, ": connect: ", msg));
  }
  // "relation already exists, skipping" and the like: not for stderr.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  auto store = std::make_unique<PostgresEventStore>(
      conn, DescribeConn(PQuser(conn), PQhost(conn), PQport(conn), PQdb(conn)), std::move(secrets));
  if (absl::Status s = store->ApplyMigrations(migrations); !s.ok()) return s;
  return std::unique_ptr<EventStore>(std::move(store));
}

}  // namespace spamwall::events
