// The end-to-end tests' stack: a live spamwall-dataplane (net_null ports,
// which forward by themselves) and a spamwall-controld in one temporary
// directory, with spamwallctl to drive them.
#ifndef SPAMWALL_TESTS_CONTROL_STACK_H_
#define SPAMWALL_TESTS_CONTROL_STACK_H_

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/control/processes.h"
#include "tests/golden/run_dataplane.h"

namespace spamwall::e2e {

using nlohmann::json;

inline std::string Repo() {
  const char* s = std::getenv("SPAMWALL_SOURCE_DIR");
  return s && *s ? s : ".";
}

inline int FreeTcpPort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

inline const char* kPolicy1 =
    "version: 1\n"
    "subscribers: {consumer: [100.64.0.0/10]}\n"
    "internal: [100.64.0.0/10, 198.51.100.0/24]\n"
    "mail: {smtp_ports: [25], mx_servers: [198.51.100.25], authorized_relays: [198.51.100.10]}\n"
    "quarantine: [100.64.99.7/32]\n";
inline const char* kPolicy2 =
    "version: 1\n"
    "subscribers: {consumer: [100.64.0.0/10], business: [100.64.200.0/24, 100.64.201.0/24]}\n"
    "internal: [100.64.0.0/10, 198.51.100.0/24]\n"
    "mail: {smtp_ports: [25], mx_servers: [198.51.100.25], authorized_relays: [198.51.100.10]}\n";

// A dataplane and a controld in their own directory.
class Stack {
 public:
  Stack() {
    chmod(dir_.path().c_str(), 0711);  // the setuid(nobody) peer must reach the socket
    Write("p1.yaml", kPolicy1);
    Write("p2.yaml", kPolicy2);
    mkdir((dir_ / "state").c_str(), 0700);
    metrics_port_ = FreeTcpPort();
    WriteConfig();
  }
  // controld.yaml with the boot policy `policy` (a name in the stack's
  // directory) and state_dir `state`.
  void WriteConfig(const std::string& policy = "p1.yaml", const std::string& state = "") {
    Write("controld.yaml", "policy: " + (dir_ / policy) + "\nsocket: " + ctl() +
                               "\nsocket_group: ''\nsocket_mode: '0666'\ndataplane_socket: " + dp() +
                               "\nstate_dir: " + (state.empty() ? dir_ / "state" : state) +
                               "\naudit_log: " + audit() +
                               "\nprometheus: 127.0.0.1:" + std::to_string(metrics_port_) + "\n");
  }
  // What the dataplane boots from (default: the example policy file).
  void SetDataplaneBoot(std::vector<std::string> args) { boot_ = std::move(args); }

  bool StartDataplane() {
    static int n = 0;
    dataplane_ = std::make_unique<Process>(
        DataplaneArgv(n++), dir_ / "dataplane.log");
    return WaitForPath(dp(), 20);
  }
  std::vector<std::string> DataplaneArgv(int n) const {
    std::vector<std::string> argv = {BuildDir() + "/spamwall-dataplane", "--profile",
                                     Repo() + "/hw-profiles/null.yaml"};
    if (boot_.empty()) {
      argv.insert(argv.end(), {"--policy", Repo() + "/examples/policy.yaml"});
    } else {
      argv.insert(argv.end(), boot_.begin(), boot_.end());
    }
    argv.insert(argv.end(), {"--control-socket", dp(), "--", "--no-huge", "-m", "256", "--no-pci",
                             "--no-shconf", "--no-telemetry",
                             "--file-prefix=ctld-e2e-" + std::to_string(getpid()) + "-" + std::to_string(n),
                             "-l", "0-1"});
    return argv;
  }
  bool StartControld() {
    controld_ = std::make_unique<Process>(
        std::vector<std::string>{BuildDir() + "/spamwall-controld", "--config", dir_ / "controld.yaml"},
        dir_ / "controld.log");
    return WaitForPath(ctl(), 20);
  }
  bool Start() { return StartDataplane() && StartControld(); }

  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  CtlResult Ctl(const std::vector<std::string>& args) { return RunCtl(ctl(), args); }
  json CtlJson(std::vector<std::string> args) {
    args.insert(args.begin(), "-j");
    CtlResult r = Ctl(args);
    EXPECT_EQ(r.code, 0) << r.err << Logs();
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }
  std::string Logs() const {
    return "\n--- controld ---\n" + (controld_ ? controld_->Log() : "") + "\n--- dataplane ---\n" +
           (dataplane_ ? dataplane_->Log() : "");
  }

  std::string path(const std::string& name) const { return dir_ / name; }
  std::string ctl() const { return dir_ / "ctl.sock"; }
  std::string dp() const { return dir_ / "dp.sock"; }
  std::string audit() const { return dir_ / "audit.log"; }
  int metrics_port() const { return metrics_port_; }
  Process& controld() { return *controld_; }
  bool has_dataplane() const { return dataplane_ != nullptr; }
  Process& dataplane() { return *dataplane_; }

 private:
  golden::TempDir dir_;
  int metrics_port_ = 0;
  std::vector<std::string> boot_;
  std::unique_ptr<Process> dataplane_, controld_;
};

inline bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace spamwall::e2e

#endif  // SPAMWALL_TESTS_CONTROL_STACK_H_
