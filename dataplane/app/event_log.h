// Where the samplers' events go: JSON lines appended to one file
// (--events), each sampler handing over whole lines in batches. Every write
// is checked: a full disk loses lines, which are counted and make the run
// fail at Close, never a silent truncation.
#ifndef SPAMWALL_DATAPLANE_APP_EVENT_LOG_H_
#define SPAMWALL_DATAPLANE_APP_EVENT_LOG_H_

#include <cstdint>
#include <mutex>
#include <string>

namespace spamwall {

class EventLog {
 public:
  EventLog() = default;
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;
  ~EventLog();

  // Creates or truncates `path` (a planted link is not followed).
  bool Open(const std::string& path, std::string* error);
  bool open() const { return fd_ >= 0; }

  // `batch`: `lines` whole lines, each ending in '\n'.
  void Append(const std::string& batch, uint64_t lines);

  // fsync (for a regular file) and close; false with *error when any line
  // was lost or the file could not be completed.
  bool Close(std::string* error);

  uint64_t lines_written() const;
  uint64_t lines_lost() const;

 private:
  mutable std::mutex mu_;  // the samplers share the file; a batch a lock
  int fd_ = -1;
  std::string path_;
  int first_errno_ = 0;
  uint64_t written_ = 0, lost_ = 0;
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_EVENT_LOG_H_
