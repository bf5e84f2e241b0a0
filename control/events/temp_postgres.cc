#include "control/events/temp_postgres.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace spamwall::events {
namespace {

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;

std::string Tail(const std::string& path, size_t bytes = 2000) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

struct Child {
  std::vector<std::string> argv;
  std::string cwd;
  std::string log;     // stdout and stderr, appended
  int stdin_fd = -1;   // -1: /dev/null
  bool detach = false;  // a session of its own: the terminal's ^C is not for it
};

// Starts a child, as nobody when we are root. Everything it needs is built
// before fork: after it only async-signal-safe calls.
absl::StatusOr<pid_t> Spawn(const Child& c) {
  std::vector<char*> args;
  for (const std::string& a : c.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The caller's locale and PG* settings are not the server's business.
  std::vector<std::string> env_strings = {"LC_ALL=C", "LANG=C"};
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view v = *e;
    if (v.starts_with("LC_") || v.starts_with("LANG=") || v.starts_with("PG")) continue;
    env_strings.emplace_back(v);
  }
  std::vector<char*> env;
  for (std::string& s : env_strings) env.push_back(s.data());
  env.push_back(nullptr);
  bool drop = geteuid() == 0;

  int out = ::open(c.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) return absl::InternalError(absl::StrCat(c.log, ": ", std::strerror(errno)));
  if (drop && fchown(out, kNobody, kNogroup) != 0) {
    ::close(out);
    return absl::InternalError(absl::StrCat("chown ", c.log, ": ", std::strerror(errno)));
  }
  pid_t pid = fork();
  if (pid < 0) {
    ::close(out);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    int in = c.stdin_fd >= 0 ? c.stdin_fd : ::open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(126);
    // The postmaster lives on after pg_ctl: it must not hold our files.
    close_range(3, ~0U, 0);
    if (c.detach) setsid();
    if (drop && (setgroups(0, nullptr) != 0 || setresgid(kNogroup, kNogroup, kNogroup) != 0 ||
                 setresuid(kNobody, kNobody, kNobody) != 0)) {
      _exit(126);
    }
    if (chdir(c.cwd.c_str()) != 0) _exit(126);
    execve(args[0], args.data(), env.data());
    _exit(127);
  }
  ::close(out);
  return pid;
}

int WaitFor(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

absl::Status Run(const std::vector<std::string>& argv, const std::string& cwd,
                 const std::string& log) {
  absl::StatusOr<pid_t> pid = Spawn({.argv = argv, .cwd = cwd, .log = log});
  if (!pid.ok()) return pid.status();
  int status = WaitFor(*pid);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(argv[0], " failed (status ", status, "); ", log,
                                          ":\n", Tail(log)));
}

}  // namespace

bool TempPostgres::Installed() {
  return access((std::string(kBinDir) + "/initdb").c_str(), X_OK) == 0 &&
         access((std::string(kBinDir) + "/pg_ctl").c_str(), X_OK) == 0;
}

absl::StatusOr<std::unique_ptr<TempPostgres>> TempPostgres::Start() {
  if (!Installed()) {
    return absl::FailedPreconditionError(absl::StrCat("no PostgreSQL 15 in ", kBinDir));
  }
  // Short: the socket's path (DIR/.s.PGSQL.5432) must fit in sun_path.
  char tmpl[] = "/tmp/spamwall-pg.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
  }
  std::string user;
  if (geteuid() == 0) {
    user = "nobody";
    if (chown(tmpl, kNobody, kNogroup) != 0) {
      std::string err = std::strerror(errno);
      rmdir(tmpl);
      return absl::InternalError(absl::StrCat("chown ", tmpl, ": ", err));
    }
  } else {
    struct passwd* pw = getpwuid(geteuid());
    user = pw != nullptr ? pw->pw_name : std::to_string(geteuid());
  }
  // From here the destructor cleans up, whatever fails.
  std::unique_ptr<TempPostgres> pg(new TempPostgres(tmpl, user));
  const std::string bin = kBinDir;
  const std::string data = pg->dir_ + "/data";
  const std::string log = pg->dir_ + "/commands.log";
  // A test killed (a crash, SIGPIPE, ^C) runs no destructor: a watchdog
  // waiting for the end of a pipe only we hold stops the server and
  // removes the directory then.
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  absl::StatusOr<pid_t> watchdog = Spawn(
      {.argv = {"/bin/sh", "-c",
                "read _; \"$0\" -D \"$1\" -m immediate stop >/dev/null 2>&1; rm -rf \"$2\"",
                bin + "/pg_ctl", data, pg->dir_},
       .cwd = "/",
       .log = "/dev/null",
       .stdin_fd = pipe_fds[0],
       .detach = true});
  ::close(pipe_fds[0]);
  if (!watchdog.ok()) {
    ::close(pipe_fds[1]);
    return watchdog.status();
  }
  pg->watchdog_pid_ = *watchdog;
  pg->watchdog_fd_ = pipe_fds[1];
  absl::Status s = Run({bin + "/initdb", "-D", data, "-U", user, "-A", "trust", "-E", "UTF8",
                        "--locale=C", "--no-sync", "--no-instructions"},
                       pg->dir_, log);
  if (!s.ok()) return s;
  // No TCP at all; durability off: the data dies with the test.
  std::string options = absl::StrCat("-c listen_addresses='' -k ", pg->dir_,
                                     " -c fsync=off -c synchronous_commit=off"
                                     " -c full_page_writes=off -c max_connections=20");
  pg->started_ = true;  // a half-started server is stopped too
  s = Run({bin + "/pg_ctl", "-D", data, "-l", pg->dir_ + "/postgres.log", "-o", options, "-w",
           "-t", "30", "start"},
          pg->dir_, log);
  if (!s.ok()) {
    return absl::InternalError(
        absl::StrCat(s.message(), "\npostgres.log:\n", Tail(pg->dir_ + "/postgres.log")));
  }
  return pg;
}

TempPostgres::~TempPostgres() {
  if (started_) {
    (void)Run({std::string(kBinDir) + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w",
               "stop"},
              dir_, dir_ + "/commands.log");
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  if (watchdog_fd_ >= 0) {
    ::close(watchdog_fd_);  // the watchdog finds nothing left to do
    WaitFor(watchdog_pid_);
  }
}

std::string TempPostgres::Uri(std::string_view db) const {
  return absl::StrCat("postgresql:///", std::string(db), "?host=", dir_, "&user=", user_);
}

absl::StatusOr<std::string> TempPostgres::CreateDatabase() {
  std::string name = absl::StrCat("t", ++databases_);
  PGconn* conn = PQconnectdb(Uri("postgres").c_str());
  absl::Status s = absl::OkStatus();
  if (PQstatus(conn) != CONNECTION_OK) {
    s = absl::UnavailableError(absl::StrCat("connect: ", PQerrorMessage(conn)));
  } else {
    // A name of ours, not input: CREATE DATABASE takes no parameters.
    PGresult* r = PQexec(conn, ("CREATE DATABASE " + name).c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      s = absl::InternalError(absl::StrCat("CREATE DATABASE ", name, ": ", PQerrorMessage(conn)));
    }
    PQclear(r);
  }
  PQfinish(conn);
  if (!s.ok()) return s;
  return Uri(name);
}

}  // namespace spamwall::events
