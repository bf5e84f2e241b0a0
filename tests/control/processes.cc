#include "tests/control/processes.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace spamwall::e2e {

std::string BuildDir() {
  std::string ctl = golden::BuiltBinary("spamwallctl");
  return ctl.substr(0, ctl.rfind('/'));
}

bool WaitForPath(const std::string& path, double timeout_s) {
  return golden::WaitFor([&] { return access(path.c_str(), F_OK) == 0; }, timeout_s);
}

CtlResult RunCtl(const std::string& socket, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"-s", socket};
  all.insert(all.end(), args.begin(), args.end());
  golden::SplitResult r = golden::RunBinarySplit(golden::BuiltBinary("spamwallctl"), all);
  return {r.exit_code, r.out, r.err};
}

CtlResult RunCtlAs(uid_t uid, gid_t gid, const std::string& socket, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--reuid=" + std::to_string(uid), "--regid=" + std::to_string(gid),
                                  "--groups=" + std::to_string(gid), golden::BuiltBinary("spamwallctl"),
                                  "-s", socket};
  all.insert(all.end(), args.begin(), args.end());
  golden::SplitResult r = golden::RunBinarySplit("/usr/bin/setpriv", all);
  return {r.exit_code, r.out, r.err};
}

}  // namespace spamwall::e2e

namespace spamwall::e2e {

using nlohmann::json;

std::string Repo() {
  const char* s = std::getenv("SPAMWALL_SOURCE_DIR");
  return s && *s ? s : ".";
}

int FreeTcpPort() {
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

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

ScopedTmpfs::ScopedTmpfs(const std::string& dir, const std::string& size) : dir_(dir) {
  mkdir(dir.c_str(), 0700);
  mounted_ = geteuid() == 0 && mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size + ",mode=0700").c_str()) == 0;
}

ScopedTmpfs::~ScopedTmpfs() {
  if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
}

const char* const kPolicy1 =
    "version: 1\n"
    "subscribers: {consumer: [100.64.0.0/10]}\n"
    "internal: [100.64.0.0/10, 198.51.100.0/24]\n"
    "mail: {smtp_ports: [25], mx_servers: [198.51.100.25], authorized_relays: [198.51.100.10]}\n"
    "quarantine: [100.64.99.7/32]\n";
const char* const kPolicy2 =
    "version: 1\n"
    "subscribers: {consumer: [100.64.0.0/10], business: [100.64.200.0/24, 100.64.201.0/24]}\n"
    "internal: [100.64.0.0/10, 198.51.100.0/24]\n"
    "mail: {smtp_ports: [25], mx_servers: [198.51.100.25], authorized_relays: [198.51.100.10]}\n";

Stack::Stack() {
  chmod(dir_.path().c_str(), 0711);  // the setuid(nobody) peer must reach the socket
  Write("p1.yaml", kPolicy1);
  Write("p2.yaml", kPolicy2);
  mkdir((dir_ / "state").c_str(), 0700);
  metrics_port_ = FreeTcpPort();
  WriteConfig();
}

void Stack::WriteConfig(const std::string& policy, const std::string& state) {
  Write("controld.yaml", "policy: " + (dir_ / policy) + "\nsocket: " + ctl() +
                             "\nsocket_group: '" + socket_group_ + "'\nsocket_mode: '" + socket_mode_ +
                             "'\ndataplane_socket: " + dp() +
                             "\nstate_dir: " + (state.empty() ? dir_ / "state" : state) +
                             "\naudit_log: " + audit() +
                             "\nprometheus: 127.0.0.1:" + std::to_string(metrics_port_) + "\n" + extra_config_);
}

bool Stack::StartDataplane() {
  static int n = 0;
  std::vector<std::string> argv = {BuildDir() + "/spamwall-dataplane", "--profile",
                                   Repo() + "/hw-profiles/" + profile_};
  if (boot_.empty()) argv.insert(argv.end(), {"--policy", Repo() + "/examples/policy.yaml"});
  argv.insert(argv.end(), boot_.begin(), boot_.end());
  argv.insert(argv.end(), {"--control-socket", dp(), "--", "--no-huge", "-m", "256", "--no-pci",
                           "--no-shconf", "--no-telemetry",
                           "--file-prefix=ctld-e2e-" + std::to_string(getpid()) + "-" + std::to_string(n++)});
  argv.insert(argv.end(), eal_.begin(), eal_.end());
  dataplane_ = std::make_unique<Process>(argv, dir_ / "dataplane.log");
  return WaitForPath(dp(), 20);
}

bool Stack::StartControld() {
  std::vector<std::string> argv = controld_prefix_;
  argv.insert(argv.end(), {BuildDir() + "/spamwall-controld", "--config", dir_ / "controld.yaml"});
  controld_ = std::make_unique<Process>(argv, dir_ / "controld.log");
  return WaitForPath(ctl(), 20);
}

void Stack::Write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

json Stack::CtlJson(std::vector<std::string> args) {
  args.insert(args.begin(), "-j");
  CtlResult r = Ctl(args);
  EXPECT_EQ(r.code, 0) << r.err << Logs();
  json j = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out;
  return j;
}

std::string Stack::Logs() const {
  return "\n--- controld ---\n" + (controld_ ? controld_->Log() : "") + "\n--- dataplane ---\n" +
         (dataplane_ ? dataplane_->Log() : "");
}

}  // namespace spamwall::e2e
