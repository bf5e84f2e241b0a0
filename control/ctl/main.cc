// spamwallctl: the operator's command line for spamwall-controld. Each
// command is one request on controld's socket; the reply is printed as a
// table (or as JSON with -j), errors as one clear line on stderr (and with
// -j also as {"error": {"code", "message"}} on stdout), the same for every
// command and every kind of failure (docs/control-protocol.md).
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string_view>

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

// A failure, reported one way whatever the command: "spamwallctl: MESSAGE" on
// stderr (a refused policy: one problem per line after the first), and with
// -j {"error": {"code", "message", ...}} (plus `extra`'s keys) on stdout.
// code: controld's error code, or "usage" / "unreachable" (spamwallctl's own).
int Fail(bool as_json, int exit_code, json error, const json& extra = json::object()) {
  if (!error.is_object()) error = json::object();
  if (!error.contains("code") || !error["code"].is_string()) error["code"] = "internal";
  if (!error.contains("message") || !error["message"].is_string()) error["message"] = "malformed error reply";
  if (as_json) {
    json out = extra;
    out["error"] = error;
    std::cout << out.dump(2) << "\n";
  }
  std::cerr << "spamwallctl: " << error["message"].get<std::string>() << "\n";
  return exit_code;
}

// -j anywhere before "--" (known before the parse, so a usage error is
// answered in JSON as well).
bool WantsJson(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    std::string_view a = argv[i];
    if (a == "--") break;
    if (a == "-j" || a == "--json") return true;
  }
  return false;
}

// "policy push": the subcommands parsed so far.
std::string CommandPath(const CLI::App* app) {
  std::string path;
  for (const CLI::App* a = app; a;) {
    auto subs = a->get_subcommands();
    a = subs.empty() ? nullptr : subs.front();
    if (a) path += " " + a->get_name();
  }
  return path;
}

// The bool at j[k], false when missing or of another type.
bool Flag(const json& j, const char* k) {
  auto it = j.find(k);
  return j.is_object() && it != j.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"spamwallctl: operate spamwall through spamwall-controld."};
  app.footer(kExitCodes);
  app.require_subcommand(1);
  // -j, -s and --timeout also after the command (`spamwallctl stats -j`).
  app.fallthrough();
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

  const bool json_wanted = WantsJson(argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e) == 0 ? kOk : kUsage;  // --help
    const std::string sub = CommandPath(&app);
    return Fail(json_wanted || as_json, kUsage,
                {{"code", "usage"},
                 {"message", std::string(e.what()) + " (spamwallctl" + sub + " --help)"}});
  }

  spamwall::proto::Client client;
  std::string error;
  json reply;
  if (!client.Connect(socket, timeout_s, &error) || !client.Call(cmd, args, &reply, &error))
    return Fail(as_json, kUnreachable,
                {{"code", "unreachable"},
                 {"message", "cannot reach spamwall-controld at " + socket + ": " + error}});
  if (!Flag(reply, "ok")) {
    json err = reply.is_object() && reply.contains("error") ? reply["error"] : json::object();
    if (!err.is_object() || !err.contains("message"))
      err = {{"code", "internal"}, {"message", "malformed reply: " + reply.dump()}};
    return Fail(as_json, kRefused, err);
  }
  const json result = reply.is_object() && reply.contains("result") ? reply["result"] : json(nullptr);
  // A check that found errors is an answer, but the policy is refused: the
  // same failure as a refused push (with -j, the check's answer rides along).
  if (cmd == "policy.check" && !Flag(result, "valid")) {
    std::string message = "policy refused:";
    json lines = json::array();
    if (result.is_object() && result.contains("errors") && result["errors"].is_array())
      for (const auto& e : result["errors"]) {
        lines.push_back(e.is_string() ? e.get<std::string>() : e.dump());
        message += "\n" + lines.back().get<std::string>();
      }
    return Fail(as_json, kRefused, {{"code", "refused"}, {"message", message}, {"errors", lines}},
                {{"result", result}});
  }
  std::cout << (as_json ? result.dump(2) + "\n" : spamwall::ctl::FormatResult(cmd, result));
  return kOk;
}
