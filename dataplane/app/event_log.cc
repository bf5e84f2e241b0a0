#include "dataplane/app/event_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dataplane/core/durable_file.h"

namespace spamwall {

EventLog::~EventLog() {
  if (fd_ >= 0) close(fd_);
}

bool EventLog::Open(const std::string& path, std::string* error) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    *error = path + ": cannot write (" + std::strerror(errno) + ")";
    return false;
  }
  path_ = path;
  return true;
}

void EventLog::Append(const std::string& batch, uint64_t lines) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ >= 0 && first_errno_ == 0 && WriteAll(fd_, batch.data(), batch.size())) {
    written_ += lines;
    return;
  }
  if (first_errno_ == 0) first_errno_ = fd_ < 0 ? EBADF : errno;
  lost_ += lines;  // after a failed write nothing more is appended: no torn line follows
}

bool EventLog::Close(std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) return true;
  struct stat st;
  if (first_errno_ == 0 && fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && fsync(fd_) != 0)
    first_errno_ = errno;
  if (close(fd_) != 0 && first_errno_ == 0) first_errno_ = errno;
  fd_ = -1;
  if (first_errno_ == 0) return true;
  *error = path_ + ": " + std::strerror(first_errno_) + "; " + std::to_string(lost_) +
           " events lost after " + std::to_string(written_) + " written";
  return false;
}

uint64_t EventLog::lines_written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return written_;
}

uint64_t EventLog::lines_lost() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lost_;
}

}  // namespace spamwall
