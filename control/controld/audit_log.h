// The audit log: one JSON line per mutating request, accepted or refused, with
// who (SO_PEERCRED), when, what and the outcome; fsync'ed before the reply.
#ifndef SPAMWALL_CONTROL_CONTROLD_AUDIT_LOG_H_
#define SPAMWALL_CONTROL_CONTROLD_AUDIT_LOG_H_

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
  proto::Peer peer;
  std::string cmd;
  nlohmann::json args = nlohmann::json::object();
  std::string result = "ok";  // "ok" or the error ("refused: ...")
  uint64_t generation = 0;    // the live generation after the request
  nlohmann::json changes = nlohmann::json::object();
};

// "2024-05-01T12:34:56.789Z"
std::string IsoUtc(std::chrono::system_clock::time_point t);

// The line, without its newline: {"time", "user", "uid", "pid", "cmd", "args",
// "result", "generation", "changes"}.
std::string FormatAuditLine(const AuditRecord& r);

class AuditLog {
 public:
  bool Open(const std::string& path, std::string* error);
  bool Append(const AuditRecord& r, std::string* error);
  // The last n records, oldest first.
  std::vector<nlohmann::json> Tail(size_t n, std::string* error) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  UniqueFd fd_;
  mutable std::mutex mu_;
};

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_AUDIT_LOG_H_
