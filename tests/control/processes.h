// The end-to-end tests' names for the shared process helpers of
// tests/golden/run_dataplane.h: long-running daemons, one-shot spamwallctl
// runs with stdout and stderr apart, and a whole stack (dataplane + controld
// in their own directory) for the controld and spamwallctl tests.
#ifndef SPAMWALL_TESTS_CONTROL_PROCESSES_H_
#define SPAMWALL_TESTS_CONTROL_PROCESSES_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
// The same as another user: setpriv with numeric ids (no account needed),
// no supplementary groups but `gid`.
CtlResult RunCtlAs(uid_t uid, gid_t gid, const std::string& socket, const std::vector<std::string>& args);

std::string Repo();  // the source tree ($SPAMWALL_SOURCE_DIR)
std::string ReadFile(const std::string& path);  // the whole file ("" when unreadable)

// A small tmpfs at dir (made 0700) for a full-disk test, unmounted by the
// destructor; mounted() is false where this cannot mount (not root).
class ScopedTmpfs {
 public:
  ScopedTmpfs(const std::string& dir, const std::string& size);
  ~ScopedTmpfs();
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};
int FreeTcpPort();   // a loopback port free a moment ago
bool Contains(const std::string& s, const std::string& part);

// The two policies a Stack writes, as p1.yaml (controld's boot policy: one
// quarantined /32) and p2.yaml (two business prefixes, no quarantine).
extern const char* const kPolicy1;
extern const char* const kPolicy2;

// A dataplane (live mode, net_null ports) and a controld (socket, state,
// audit log, Prometheus on a free port) in their own directory.
class Stack {
 public:
  Stack();
  // controld.yaml with the boot policy `policy` (a name in the stack's
  // directory) and state_dir `state` (default: the stack's state/).
  void WriteConfig(const std::string& policy = "p1.yaml", const std::string& state = "");
  // The socket's group and mode in the next WriteConfig (default: none, 0666).
  void SetSocketGroup(const std::string& group, const std::string& mode) {
    socket_group_ = group;
    socket_mode_ = mode;
  }
  // What the dataplane boots from (default: --policy examples/policy.yaml).
  void SetDataplaneBoot(std::vector<std::string> args) { boot_ = std::move(args); }
  // The dataplane's ports and lcores (default: hw-profiles/null.yaml, two
  // net_null ports from the profile, `-l 0-1`): a profile file name and the
  // EAL arguments that replace `-l 0-1`.
  void SetDataplanePorts(std::string profile, std::vector<std::string> eal) {
    profile_ = std::move(profile);
    eal_ = std::move(eal);
  }
  // Lines appended to controld.yaml by the next WriteConfig.
  void SetExtraConfig(std::string yaml) { extra_config_ = std::move(yaml); }
  // A command controld runs under (default none), which must exec it (the
  // Stack stops that pid): `env LD_PRELOAD=libfaketime.so.1 FAKETIME=@T`.
  void SetControldPrefix(std::vector<std::string> prefix) { controld_prefix_ = std::move(prefix); }
  bool StartDataplane();
  bool StartControld();
  bool Start() { return StartDataplane() && StartControld(); }

  void Write(const std::string& name, const std::string& text);
  CtlResult Ctl(const std::vector<std::string>& args) { return RunCtl(ctl(), args); }
  // `spamwallctl -j ARGS`, expected to succeed, parsed.
  nlohmann::json CtlJson(std::vector<std::string> args);
  std::string Logs() const;

  std::string path(const std::string& name) const { return dir_ / name; }
  std::string ctl() const { return dir_ / "ctl.sock"; }
  std::string dp() const { return dir_ / "dp.sock"; }
  std::string audit() const { return audit_.empty() ? dir_ / "audit.log" : audit_; }
  // The audit log's path in the next WriteConfig (default: audit.log here).
  void SetAuditLog(const std::string& path) { audit_ = path; }
  int metrics_port() const { return metrics_port_; }
  Process& controld() { return *controld_; }
  Process& dataplane() { return *dataplane_; }

 private:
  golden::TempDir dir_;
  int metrics_port_ = 0;
  std::vector<std::string> boot_, controld_prefix_;
  std::string profile_ = "null.yaml";
  std::vector<std::string> eal_ = {"-l", "0-1"};
  std::string extra_config_;
  std::string socket_group_, socket_mode_ = "0666", audit_;
  std::unique_ptr<Process> dataplane_, controld_;
};

}  // namespace spamwall::e2e

#endif  // SPAMWALL_TESTS_CONTROL_PROCESSES_H_
