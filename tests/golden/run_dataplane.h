// Runs the real spamwall-dataplane binary as a subprocess, as an operator
// would, for the end-to-end tests.
#ifndef SPAMWALL_TESTS_GOLDEN_RUN_DATAPLANE_H_
#define SPAMWALL_TESTS_GOLDEN_RUN_DATAPLANE_H_

#include <functional>
#include <string>
#include <vector>

namespace spamwall::golden {

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// A binary built beside the tests, e.g. "spamwallctl" ($SPAMWALL_BUILD_DIR
// overrides the build directory).
std::string BuiltBinary(const std::string& name);
std::string DataplaneBinary();  // BuiltBinary("spamwall-dataplane")

// Runs a binary to completion, stdout and stderr together.
RunResult RunBinary(const std::string& binary, const std::vector<std::string>& args);

// The same with stdout and stderr apart (a CLI's output and its errors).
struct SplitResult {
  int exit_code = -1;
  std::string out, err;
};
SplitResult RunBinarySplit(const std::string& binary, const std::vector<std::string>& args);
RunResult RunDataplane(const std::vector<std::string>& args);

// A process running in the background (a daemon under test), its stdout and
// stderr going to a log file. The destructor kills it if still running.
class BackgroundProcess {
 public:
  BackgroundProcess() = default;
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  ~BackgroundProcess();

  bool Start(const std::string& binary, const std::vector<std::string>& args,
             const std::string& log_path);
  // Sends `sig` and waits up to timeout_s; returns the exit code (128+signal
  // when killed by one, -1 when it had to be SIGKILLed).
  int Stop(int sig = 15, double timeout_s = 20);
  bool running();  // false once it has exited
  int pid() const { return pid_; }
  std::string Log() const;  // what it printed so far

 private:
  int pid_ = -1;
  int status_ = -1;
  std::string log_;
};

// Polls `ready` every 20 ms until it is true or timeout_s passes.
bool WaitFor(const std::function<bool()>& ready, double timeout_s);

// A fresh directory under /tmp, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace spamwall::golden

#endif  // SPAMWALL_TESTS_GOLDEN_RUN_DATAPLANE_H_
