// The audit log: every mutating request, accepted, refused or malformed,
// with who (SO_PEERCRED), when, what and the outcome, as two JSON lines: an
// intent, written and fsync'ed before anything changes (a change that
// cannot be audited is not made), and the outcome after it. Arguments are
// capped, so a refused 1 MB reason costs a line of a few hundred bytes.
#ifndef SPAMWALL_CONTROL_CONTROLD_AUDIT_LOG_H_
#define SPAMWALL_CONTROL_CONTROLD_AUDIT_LOG_H_

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ipc/unique_fd.h"
#include "ipc/unix_socket.h"

namespace spamwall::controld {

struct AuditRecord {
  std::chrono::system_clock::time_point time;
  std::string phase = "outcome";  // "intent" (before the change) or "outcome"
  std::string id;                 // the same in a request's two records
  proto::Peer peer;
  std::string cmd;
  nlohmann::json args = nlohmann::json::object();
  std::string result = "ok";  // outcome: "ok" or the error ("refused: ...")
  uint64_t generation = 0;    // the live generation (after the request, for an outcome)
  nlohmann::json changes = nlohmann::json::object();
};

// "2024-05-01T12:34:56.789Z"
std::string IsoUtc(std::chrono::system_clock::time_point t);

// Arguments as they are audited: strings cut to 256 bytes, lists to 16
// items, a bundle (file_bundle.h) as its first path and its file count, the
// whole at most 4 KiB.
nlohmann::json CappedArgs(const nlohmann::json& args);

// The line, without its newline: {"time", "phase", "id", "user", "uid",
// "pid", "cmd", "args", and for an outcome "result", "generation", "changes"}.
std::string FormatAuditLine(const AuditRecord& r);

struct AuditQuery {
  size_t n = 20;
  std::string user;   // name or uid; empty: everyone
  std::string since;  // records at or after this ISO 8601 time (or a prefix of one)
  size_t max_bytes = size_t{16} << 20;  // read at most this much from the end
};

struct AuditTailResult {
  std::vector<nlohmann::json> records;  // oldest first
  bool budget_hit = false;  // max_bytes ran out before n records were found
};

class AuditLog {
 public:
  // O_APPEND|O_NOFOLLOW, a regular file only.
  bool Open(const std::string& path, std::string* error);
  // The same path again (after logrotate's rename, on SIGHUP).
  bool Reopen(std::string* error);
  // One line, written whole and fsync'ed, or nothing (a torn line is cut off).
  bool Append(const AuditRecord& r, std::string* error);
  // Outcome records (and intents that never got one) from the end of the
  // file, newest matching first read; never holds the append lock.
  bool Tail(const AuditQuery& q, AuditTailResult* out, std::string* error) const;
  const std::string& path() const { return path_; }
  // A new request's id.
  std::string NextId();

 private:
  std::string path_;
  UniqueFd fd_;
  std::atomic<uint64_t> serial_{0};
  std::mutex mu_;
};

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_AUDIT_LOG_H_
