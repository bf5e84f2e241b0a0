// Test support: a throwaway PostgreSQL 15 server of the test's own (initdb +
// pg_ctl in a fresh /tmp directory), reachable only on a Unix socket in that
// directory, so tests need no system cluster and cannot touch one. Run as
// `nobody` when the test runs as root (initdb refuses root). Stopped
// (immediate) and removed with the object.
#ifndef SPAMWALL_CONTROL_EVENTS_TEMP_POSTGRES_H_
#define SPAMWALL_CONTROL_EVENTS_TEMP_POSTGRES_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace spamwall::events {

class TempPostgres {
 public:
  static constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";

  // Whether the server binaries are here (Debian's postgresql-15); tests
  // skip without them.
  static bool Installed();
  // initdb, then pg_ctl start; the error carries the tail of their log.
  static absl::StatusOr<std::unique_ptr<TempPostgres>> Start();

  ~TempPostgres();
  TempPostgres(const TempPostgres&) = delete;
  TempPostgres& operator=(const TempPostgres&) = delete;

  // The directory holding the data, the log and the socket.
  const std::string& dir() const { return dir_; }
  // The superuser (and OS user) the server runs as.
  const std::string& user() const { return user_; }
  // "postgresql:///DB?host=DIR&user=USER".
  std::string Uri(std::string_view db = "postgres") const;
  // A new empty database (t1, t2, ...): its URI.
  absl::StatusOr<std::string> CreateDatabase();

 private:
  TempPostgres(std::string dir, std::string user) : dir_(std::move(dir)), user_(std::move(user)) {}

  std::string dir_;
  std::string user_;
  bool started_ = false;
  int watchdog_fd_ = -1;  // its end of the pipe closes when we die
  pid_t watchdog_pid_ = -1;
  int databases_ = 0;
};

}  // namespace spamwall::events

#endif  // SPAMWALL_CONTROL_EVENTS_TEMP_POSTGRES_H_
