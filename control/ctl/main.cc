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
#include "ipc/api/controld_api.h"
#include "ipc/api/controld_results.h"
#include "ipc/api/file_bundle.h"
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
  // Line by line, each made printable: an echoed value cannot move the
  // cursor, recolour the terminal or forge a line of its own.
  std::string message = error["message"].get<std::string>(), out;
  for (size_t start = 0; start <= message.size();) {
    size_t nl = message.find('\n', start);
    if (nl == std::string::npos) nl = message.size();
    out += (start ? "\n" : "") + spamwall::api::ctl::Printable(message.substr(start, nl - start), 4096);
    start = nl + 1;
  }
  std::cerr << "spamwallctl: " << out << "\n";
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
  std::string file, list_file, addr, prefix, owner, reason, expires, mode, audit_user, audit_since;
  int n = 20;
  int64_t audit_max_bytes = 0;
  // The file a command names, read here with the caller's rights (controld
  // never opens a path a client names): "policy" also sends every file the
  // policy references, "list" the one file of a bulk command.
  enum class Send { kNothing, kPolicy, kList, kFiles } send = Send::kNothing;
  std::vector<std::string> files;  // kFiles: each sent (signatures check, push)

  auto* policy = app.add_subcommand("policy", "check, push, roll back or show the policy");
  policy->require_subcommand(1);
  auto* check = policy->add_subcommand("check", "validate FILE and show what a push would change");
  check->add_option("FILE", file, "policy file")->required();
  check->callback([&] { cmd = "policy.check"; send = Send::kPolicy; });
  auto* push = policy->add_subcommand("push", "compile FILE and make it live");
  push->add_option("FILE", file, "policy file")->required();
  push->callback([&] { cmd = "policy.push"; send = Send::kPolicy; });
  auto* rollback = policy->add_subcommand("rollback", "undo the last change of any kind (or go back to generation --to N)");
  rollback->footer(
      "Rollback makes the generation before the live one live again. Every change makes a generation:\n"
      "a policy push, each quarantine/exempt add|del, a mode change, an exemption expiry. The restored\n"
      "generation brings back its policy file AND the runtime overlay it was compiled with, so\n"
      "`policy push B; quarantine add X; policy rollback` leaves B live without X. --to N restores an\n"
      "older saved generation (policy show: saved_generations; controld keeps keep_generations of them).\n"
      "Either way it goes live under a new generation number, audited.");
  uint64_t rollback_to = 0;
  rollback->add_option("--to", rollback_to, "the saved generation to restore (default: the previous one)")
      ->check(CLI::PositiveNumber);
  rollback->callback([&] {
    cmd = "policy.rollback";
    spamwall::api::ctl::PolicyRollbackArgs a;
    a.to = rollback_to;
    args = a.ToJson();
  });
  policy->add_subcommand("show", "the live and previous generation, overlay, dataplane view")->callback([&] { cmd = "policy.show"; });

  app.add_subcommand("stats", "per reason, port, worker and generation; packets/s")->callback([&] { cmd = "stats"; });

  auto* quarantine = app.add_subcommand("quarantine", "runtime quarantine (added to the policy file's)");
  quarantine->require_subcommand(1);
  // ADDR, or -f FILE with one per line: exactly one of them.
  auto one_of = [&](CLI::App* sub, const char* pos_name, std::string* pos, const char* what) {
    auto* p = sub->add_option(pos_name, *pos, what);
    p->excludes(sub->add_option("-f,--file", list_file,
                                "a file with one per line ('#' comments), read by spamwallctl"));
  };
  auto bulk_or = [&](const char* key, const std::string& value) {
    if (value.empty() && list_file.empty()) throw CLI::RequiredError(std::string(key == std::string("addr") ? "ADDR" : "PREFIX") + " or -f FILE");
    if (!list_file.empty()) {
      send = Send::kList;
      file = list_file;
    } else {
      args[key] = value;
    }
  };
  auto* qadd = quarantine->add_subcommand("add", "stop ADDR's mail (or every address of -f FILE)");
  one_of(qadd, "ADDR", &addr, "address or prefix");
  qadd->callback([&] { cmd = "quarantine.add"; bulk_or("addr", addr); });
  auto* qdel = quarantine->add_subcommand("del", "release ADDR (or every address of -f FILE)");
  one_of(qdel, "ADDR", &addr, "address or prefix");
  qdel->callback([&] { cmd = "quarantine.del"; bulk_or("addr", addr); });
  quarantine->add_subcommand("list", "every quarantined prefix")->callback([&] { cmd = "quarantine.list"; });

  auto* exempt = app.add_subcommand("exempt", "runtime port-25 exemptions (added to the policy file's)");
  exempt->require_subcommand(1);
  auto* eadd = exempt->add_subcommand("add", "let PREFIX (or every prefix of -f FILE) out on port 25 until --expires");
  one_of(eadd, "PREFIX", &prefix, "consumer prefix");
  eadd->add_option("--owner", owner, "who asked (ticket, team)")->required();
  eadd->add_option("--reason", reason, "why")->required();
  eadd->add_option("--expires", expires, "last day it applies, YYYY-MM-DD (UTC)")->required();
  bool force = false;
  eadd->add_flag("--force", force,
                 "accept a prefix wider than controld's max_exemption_v4|v6 (default /24, /56); audited");
  eadd->callback([&] {
    cmd = "exempt.add";
    args = {{"owner", owner}, {"reason", reason}, {"expires", expires}};
    if (force) args["force"] = true;
    bulk_or("prefix", prefix);
  });
  auto* edel = exempt->add_subcommand("del", "remove the runtime exemption of PREFIX");
  edel->add_option("PREFIX", prefix, "prefix")->required();
  edel->callback([&] { cmd = "exempt.del"; args = {{"prefix", prefix}}; });
  exempt->add_subcommand("list", "every exemption")->callback([&] { cmd = "exempt.list"; });

  auto* mode_cmd = app.add_subcommand(
      "mode", "override the policy file's mode until `mode clear` (every later push keeps the override)");
  mode_cmd->add_option("MODE", mode, "enforce | monitor | clear (back to the policy file's mode)")
      ->required()
      ->check(CLI::IsMember({"enforce", "monitor", "clear"}));
  mode_cmd->callback([&] {
    if (mode == "clear") {
      cmd = "mode.clear";
    } else {
      cmd = "mode.set";
      args = {{"mode", mode}};
    }
  });

  auto* audit = app.add_subcommand("audit", "the last N audit records (default 20)");
  audit->add_option("N", n, "records")->check(CLI::Range(1, 100000));
  audit->add_option("--user", audit_user, "only this user's (name or uid)");
  audit->add_option("--since", audit_since, "only from this UTC time on (2026-01-02, 2026-01-02T03:04, ...)");
  audit->add_option("--max-bytes", audit_max_bytes, "read at most this much of the log, from its end")
      ->check(CLI::Range(int64_t{4096}, int64_t{256} << 20));
  audit->callback([&] {
    cmd = "audit.tail";
    spamwall::api::ctl::AuditTailArgs a;
    a.n = n;
    a.user = audit_user;
    a.since = audit_since;
    if (audit_max_bytes) a.max_bytes = audit_max_bytes;
    args = a.ToJson();
  });

  // Containment: the event store and the thresholds.
  std::string message_id, subscriber, event_type, since, by = "attempts";
  auto* whois = app.add_subcommand("whois", "which subscriber sent the message with this Message-ID");
  whois->add_option("MESSAGE-ID", message_id, "with or without <>")->required();
  whois->callback([&] {
    cmd = spamwall::api::ctl::kWhois;
    args = spamwall::api::ctl::WhoisArgs{message_id}.ToJson();
  });
  auto* complaint = app.add_subcommand(
      "complaint", "look up every Message-ID of an abuse complaint and count it against its subscriber");
  complaint->add_option("FILE", file,
                        "an ARF report (RFC 5965), a forwarded message with the original's headers, or "
                        "Message-IDs, read by spamwallctl")
      ->required();
  complaint->callback([&] {
    cmd = spamwall::api::ctl::kComplaint;
    send = Send::kList;
  });
  auto* events = app.add_subcommand("events", "the newest SMTP events, complaints and alerts");
  events->add_option("--subscriber", subscriber, "only this subscriber's (an address)");
  events->add_option("--type", event_type, "only this type")
      ->check(CLI::IsMember({"smtp_session", "smtp_message", "complaint", "threshold_alert"}));
  events->add_option("--since", since, "only from this time on: unix seconds, or YYYY-MM-DD[THH:MM[:SS]] (UTC)");
  events->add_option("-n", n, "how many (default 20)")->check(CLI::Range(1, 10000));
  events->callback([&] {
    cmd = spamwall::api::ctl::kEventsQuery;
    spamwall::api::ctl::EventsQueryArgs a;
    a.subscriber = subscriber;
    a.type = event_type;
    a.n = n;
    if (!since.empty()) {
      std::string why;
      if (!spamwall::ctl::ParseSince(since, &a.since, &why)) throw CLI::ValidationError("--since", why);
    }
    args = a.ToJson();
  });
  auto* top = app.add_subcommand("top", "the subscribers that try the most");
  top->require_subcommand(1);
  auto* zombies = top->add_subcommand("zombies", "by blocked port-25 attempts, destinations, signature hits or complaints");
  zombies->add_option("--by", by, "attempts | destinations | hits | complaints (default attempts)")
      ->check(CLI::IsMember({"attempts", "destinations", "hits", "complaints"}));
  zombies->add_option("-n", n, "how many (default 20)")->check(CLI::Range(1, 1000));
  zombies->callback([&] {
    cmd = spamwall::api::ctl::kZombiesTop;
    spamwall::api::ctl::ZombiesTopArgs a;
    a.by = by;
    a.n = n;
    args = a.ToJson();
  });

  auto* sigs = app.add_subcommand("signatures", "the signature files a policy names: check them, show the live set, push a set in their place or clear it");
  sigs->require_subcommand(1);
  auto* scheck = sigs->add_subcommand("check", "parse and compile FILE... as a push would (Hyperscan, PCRE2)");
  scheck->add_option("FILE", files, "signature files (docs/signatures.md), read by spamwallctl")->required();
  scheck->callback([&] {
    cmd = spamwall::api::ctl::kSignaturesCheck;
    send = Send::kFiles;
  });
  sigs->add_subcommand("show", "the live generation's signature files and what the samplers scanned")
      ->callback([&] { cmd = spamwall::api::ctl::kSignaturesShow; });
  auto* spush = sigs->add_subcommand(
      "push", "make FILE... the live signature set in place of the policy file's, until `signatures clear` "
              "(every later policy push keeps it)");
  spush->add_option("FILE", files, "signature files (docs/signatures.md), read by spamwallctl")->required();
  spush->callback([&] {
    cmd = spamwall::api::ctl::kSignaturesPush;
    send = Send::kFiles;
  });
  sigs->add_subcommand("clear", "drop the pushed set: the policy file's signatures are live again")
      ->callback([&] { cmd = spamwall::api::ctl::kSignaturesClear; });

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
  auto unreachable = [&] {
    return Fail(as_json, kUnreachable,
                {{"code", "unreachable"},
                 {"message", "cannot reach spamwall-controld at " + socket + ": " + error}});
  };
  if (!client.Connect(socket, timeout_s, &error)) return unreachable();
  // The files go as bytes, read here: a FIFO, a device, a file the caller
  // may not read is refused before controld hears of it.
  spamwall::api::FileBundle bundle;
  spamwall::UniqueFd bundle_fd;
  // Refused as controld refuses a policy: the same message and, with -j,
  // the same errors (and for a check its result).
  auto refuse_file = [&](const std::string& why) {
    if (send != Send::kPolicy) return Fail(as_json, kRefused, {{"code", "refused"}, {"message", why}});
    json extra = json::object();
    if (cmd == spamwall::api::ctl::kPolicyCheck) {
      spamwall::api::ctl::CheckResult r;
      r.path = bundle.files.empty() ? file : bundle.files[0].path;
      r.errors = {why};
      extra["result"] = r.ToJson();
    }
    return Fail(as_json, kRefused, {{"code", "refused"}, {"message", "policy refused:\n" + why}, {"errors", {why}}},
                extra);
  };
  if (send == Send::kFiles) {
    for (const auto& f : files)
      if (!spamwall::api::AddFile(f, &bundle, &error)) return refuse_file(error);
    if (!spamwall::api::BundleToWire(bundle, &args, &bundle_fd, &error)) return refuse_file(error);
  } else if (send != Send::kNothing) {
    if (!spamwall::api::AddFile(file, &bundle, &error)) return refuse_file(error);
    if (send == Send::kPolicy) {
      // The policy names its pools and signatures; controld says which
      // (parsing only what it was sent), spamwallctl reads them.
      json refs_args = json::object();
      if (!spamwall::api::BundleToWire(bundle, &refs_args, &bundle_fd, &error)) return refuse_file(error);
      if (!client.Call(spamwall::api::ctl::kPolicyReferences, refs_args, &reply, &error, bundle_fd.get()))
        return unreachable();
      if (!Flag(reply, "ok")) return Fail(as_json, kRefused, reply.value("error", json::object()));
      spamwall::api::ctl::ReferencesResult refs;
      if (!spamwall::api::ctl::ReferencesResult::FromJson(reply.value("result", json()), &refs, &error))
        return Fail(as_json, kRefused,
                    {{"code", "internal"}, {"message", "controld's answer to policy.references: " + error}});
      for (const auto& f : refs.files)
        if (!spamwall::api::AddFile(f, &bundle, &error)) return refuse_file(error);
    }
    if (!spamwall::api::BundleToWire(bundle, &args, &bundle_fd, &error)) return refuse_file(error);
  }
  if (!client.Call(cmd, args, &reply, &error, bundle_fd.valid() ? bundle_fd.get() : -1)) return unreachable();
  if (!Flag(reply, "ok")) {
    json err = reply.is_object() && reply.contains("error") ? reply["error"] : json::object();
    if (!err.is_object() || !err.contains("message"))
      err = {{"code", "internal"}, {"message", "malformed reply: " + reply.dump()}};
    return Fail(as_json, kRefused, err);
  }
  const json result = reply.is_object() && reply.contains("result") ? reply["result"] : json(nullptr);
  // A check that found errors is an answer, but the policy is refused: the
  // same failure as a refused push (with -j, the check's answer rides along).
  spamwall::api::ctl::CheckResult checked;
  if (cmd == spamwall::api::ctl::kPolicyCheck && spamwall::api::ctl::CheckResult::FromJson(result, &checked, &error) &&
      !checked.valid) {
    std::string message = "policy refused:";
    for (const auto& e : checked.errors) message += "\n" + e;
    return Fail(as_json, kRefused, {{"code", "refused"}, {"message", message}, {"errors", checked.errors}},
                {{"result", result}});
  }
  if (as_json) {
    std::cout << result.dump(2) + "\n";
    return kOk;
  }
  std::string text;
  if (!spamwall::ctl::FormatResult(cmd, result, &text))
    return Fail(false, kRefused, {{"code", "internal"}, {"message", text}});
  std::cout << text;
  return kOk;
}
