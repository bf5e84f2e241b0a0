#include "control/controld/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>

namespace spamwall::controld {

std::string IsoUtc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

std::string FormatAuditLine(const AuditRecord& r) {
  nlohmann::json j = {{"time", IsoUtc(r.time)},   {"user", r.peer.user},
                      {"uid", r.peer.uid},        {"pid", r.peer.pid},
                      {"cmd", r.cmd},             {"args", r.args},
                      {"result", r.result},       {"generation", r.generation},
                      {"changes", r.changes}};
  // Invalid UTF-8 from a client must not stop the record from being written.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool AuditLog::Open(const std::string& path, std::string* error) {
  path_ = path;
  fd_ = UniqueFd(open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd_.valid()) {
    *error = "cannot open audit log " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool AuditLog::Append(const AuditRecord& r, std::string* error) {
  std::string line = FormatAuditLine(r) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  // O_APPEND and one write: lines never interleave.
  ssize_t n = write(fd_.get(), line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size()) || fsync(fd_.get()) != 0) {
    *error = "cannot write audit log " + path_ + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

std::vector<nlohmann::json> AuditLog::Tail(size_t n, std::string* error) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ifstream in(path_);
  if (!in) {
    *error = "cannot read audit log " + path_ + ": " + std::strerror(errno);
    return {};
  }
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    last.push_back(std::move(line));
    if (last.size() > n) last.pop_front();
  }
  std::vector<nlohmann::json> out;
  for (const auto& l : last) {
    nlohmann::json j = nlohmann::json::parse(l, nullptr, false);
    out.push_back(j.is_discarded() ? nlohmann::json{{"unparsed", l}} : j);
  }
  return out;
}

}  // namespace spamwall::controld
