// The end-to-end tests' names for the shared process helpers of
// tests/golden/run_dataplane.h: long-running daemons and one-shot
// spamwallctl runs with stdout and stderr apart.
#ifndef SPAMWALL_TESTS_CONTROL_PROCESSES_H_
#define SPAMWALL_TESTS_CONTROL_PROCESSES_H_

#include <string>
#include <vector>

#include "tests/golden/run_dataplane.h"

namespace spamwall::e2e {

std::string BuildDir();

// A daemon started from argv (argv[0] the binary) with stdout+stderr to
// `log`; stopped (SIGTERM, then SIGKILL) by Stop or the destructor.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& log) {
    process_.Start(argv[0], {argv.begin() + 1, argv.end()}, log);
  }
  ~Process() { Stop(); }
  int Stop() { return process_.Stop(); }  // exit code, 128+signal when killed
  bool Running() { return process_.running(); }
  int pid() const { return process_.pid(); }
  std::string Log() const { return process_.Log(); }

 private:
  golden::BackgroundProcess process_;
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
