// Long-running test subprocesses (the dataplane, controld) and one-shot
// spamwallctl runs with stdout and stderr apart.
#ifndef SPAMWALL_TESTS_CONTROL_PROCESSES_H_
#define SPAMWALL_TESTS_CONTROL_PROCESSES_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace spamwall::e2e {

std::string BuildDir();

// Started with stdout+stderr to `log`; stopped (SIGTERM, then SIGKILL after
// 10 s) by Stop or the destructor.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& log);
  ~Process() { Stop(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Exit code (128+signal when killed), -1 if it never ran.
  int Stop();
  bool Running();
  pid_t pid() const { return pid_; }
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_;
};

// Waits up to timeout_s for a path to exist.
bool WaitForPath(const std::string& path, double timeout_s);

struct CtlResult {
  int code = -1;
  std::string out, err;
};
CtlResult RunCtl(const std::string& socket, const std::vector<std::string>& args);

}  // namespace spamwall::e2e

#endif  // SPAMWALL_TESTS_CONTROL_PROCESSES_H_
