// spamwallctl: the operator's command line for spamwall-controld. Each
// command is one request on controld's socket; the reply is printed as a
// table (or as JSON with -j), errors as one clear line on stderr.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "control/ctl/output.h"
#include "ipc/client.h"

using nlohmann::json;

namespace {

constexpr int kOk = 0, kRefused = 1, kUsage = 2, kUnreachable = 3;

const char* kExitCodes =
    "Exit codes: 0 ok, 1 refused or an error reply, 2 usage error, 3 cannot reach spamwall-controld.";

std::string DefaultSocket() {
  const char* env = std::getenv("SPAMWALL_CTL_SOCKET");
  return env && *env ? env : "/run/spamwall/ctl.sock";
}

std::string Absolute(const std::string& p) { return std::filesystem::absolute(p).lexically_normal().string(); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"spamwallctl: operate spamwall through spamwall-controld."};
  app.footer(kExitCodes);
  app.require_subcommand(1);
  std::string socket = DefaultSocket();
  bool as_json = false;
  double timeout_s = 60;
  app.add_option("-s,--socket", socket, "controld's socket (env SPAMWALL_CTL_SOCKET)")->capture_default_str();
  app.add_flag("-j,--json", as_json, "print the reply's result as JSON");
  app.add_option("--timeout", timeout_s, "seconds to wait for the reply")->capture_default_str()->check(CLI::PositiveNumber);

  std::string cmd;
  json args = json::object();
  std::string file, addr, prefix, owner, reason, expires, mode;
  int n = 20;

  auto* policy = app.add_subcommand("policy", "check, push, roll back or show the policy");
  policy->require_subcommand(1);
  auto* check = policy->add_subcommand("check", "validate FILE and show what a push would change");
  check->add_option("FILE", file, "policy file")->required();
  check->callback([&] { cmd = "policy.check"; args = {{"path", Absolute(file)}}; });
  auto* push = policy->add_subcommand("push", "compile FILE and make it live");
  push->add_option("FILE", file, "policy file")->required();
  push->callback([&] { cmd = "policy.push"; args = {{"path", Absolute(file)}}; });
  policy->add_subcommand("rollback", "make the previous generation live again")->callback([&] { cmd = "policy.rollback"; });
  policy->add_subcommand("show", "the live and previous generation, overlay, dataplane view")->callback([&] { cmd = "policy.show"; });

  app.add_subcommand("stats", "per reason, port, worker and generation; packets/s")->callback([&] { cmd = "stats"; });

  auto* quarantine = app.add_subcommand("quarantine", "runtime quarantine (added to the policy file's)");
  quarantine->require_subcommand(1);
  auto* qadd = quarantine->add_subcommand("add", "stop ADDR's mail");
  qadd->add_option("ADDR", addr, "address or prefix")->required();
  qadd->callback([&] { cmd = "quarantine.add"; args = {{"addr", addr}}; });
  auto* qdel = quarantine->add_subcommand("del", "release ADDR");
  qdel->add_option("ADDR", addr, "address or prefix")->required();
  qdel->callback([&] { cmd = "quarantine.del"; args = {{"addr", addr}}; });
  quarantine->add_subcommand("list", "every quarantined prefix")->callback([&] { cmd = "quarantine.list"; });

  auto* exempt = app.add_subcommand("exempt", "runtime port-25 exemptions (added to the policy file's)");
  exempt->require_subcommand(1);
  auto* eadd = exempt->add_subcommand("add", "let PREFIX out on port 25 until --expires");
  eadd->add_option("PREFIX", prefix, "consumer prefix")->required();
  eadd->add_option("--owner", owner, "who asked (ticket, team)")->required();
  eadd->add_option("--reason", reason, "why")->required();
  eadd->add_option("--expires", expires, "last day it applies, YYYY-MM-DD (UTC)")->required();
  eadd->callback([&] {
    cmd = "exempt.add";
    args = {{"prefix", prefix}, {"owner", owner}, {"reason", reason}, {"expires", expires}};
  });
  auto* edel = exempt->add_subcommand("del", "remove the runtime exemption of PREFIX");
  edel->add_option("PREFIX", prefix, "prefix")->required();
  edel->callback([&] { cmd = "exempt.del"; args = {{"prefix", prefix}}; });
  exempt->add_subcommand("list", "every exemption")->callback([&] { cmd = "exempt.list"; });

  auto* mode_cmd = app.add_subcommand("mode", "override the policy's mode");
  mode_cmd->add_option("MODE", mode, "enforce | monitor")->required()->check(CLI::IsMember({"enforce", "monitor"}));
  mode_cmd->callback([&] { cmd = "mode.set"; args = {{"mode", mode}}; });

  auto* audit = app.add_subcommand("audit", "the last N audit records (default 20)");
  audit->add_option("N", n, "records")->check(CLI::Range(1, 100000));
  audit->callback([&] { cmd = "audit.tail"; args = {{"n", n}}; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }

  spamwall::proto::Client client;
  std::string error;
  json reply;
  if (!client.Connect(socket, timeout_s, &error) || !client.Call(cmd, args, &reply, &error)) {
    std::cerr << "spamwallctl: cannot reach spamwall-controld at " << socket << ": " << error << "\n";
    return kUnreachable;
  }
  if (!reply.value("ok", false)) {
    const json err = reply.value("error", json::object());
    if (as_json) std::cout << json{{"error", err}}.dump(2) << "\n";
    std::cerr << "spamwallctl: " << spamwall::proto::ReplyError(reply) << "\n";
    return kRefused;
  }
  const json& result = reply["result"];
  if (as_json) std::cout << result.dump(2) << "\n";
  // A check that found errors is an answer, but the policy is refused.
  if (cmd == "policy.check" && !result.value("valid", false)) {
    std::cerr << "spamwallctl: policy refused:\n";
    for (const auto& e : result.value("errors", json::array())) std::cerr << e.get<std::string>() << "\n";
    return kRefused;
  }
  if (!as_json) std::cout << spamwall::ctl::FormatResult(cmd, result);
  return kOk;
}
