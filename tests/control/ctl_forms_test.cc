// Every spamwallctl command in both its forms, the human table and -j (JSON),
// against a live spamwall-controld and spamwall-dataplane with a previous
// generation present; and for each command one bad invocation, in both forms.
//
// One table, run in order (a row may rely on the rows before it: a list after
// an add). Each run is checked against controld's own state, read beside
// spamwallctl (policy.show over the socket, the audit log file): a mutating
// command must have made exactly one new generation and one audit line "ok",
// any other none, so a row cannot pass without the command having run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ipc/client.h"
#include "tests/control/processes.h"

namespace spamwall::e2e {
namespace {

using nlohmann::json;

struct Case {
  std::vector<std::string> human, as_json;  // the arguments of each form (after -s SOCK [-j])
  const char* cmd;                          // the controld command they send
  bool mutating;                            // a new generation, audited
  std::vector<std::string> human_has;       // parts of the human output (squeezed, see Squeeze)
  std::vector<std::pair<const char*, std::string>> json_has;  // JSON pointer -> JSON value ("": present)
  std::vector<std::string> bad;             // one bad invocation
  int bad_code;                             // its exit code
  std::string bad_err;                      // its whole stderr
  const char* bad_json_code;                // with -j: error.code on stdout
  std::vector<std::string> setup = {};      // run before each form (unchecked): what it needs
  bool audited = false;                     // audited without a new generation (complaint)
};

// Placeholders in a Case: {dir} the stack's directory; {gen} {prev} the live
// and previous generation after the run, {gen0} {prev0} before it (also in
// the arguments).
const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {{"policy", "show"}, {"policy", "show"}, "policy.show", false,
       {"current: generation {gen}, enforce, from {dir}/p2.yaml\n",
        "previous: generation {prev}, enforce, from {dir}/p1.yaml\n", "\nbusiness 2\n", "\nquarantine 1\n",
        "overlay: 0 quarantined, 0 exemptions, mode override -, signatures from the file\n", "dataplane: generation {gen}, enforce, origin "},
       {{"/current/generation", "{gen}"}, {"/previous/generation", "{prev}"}, {"/dataplane/generation", "{gen}"},
        {"/current/source", "\"{dir}/p2.yaml\""}, {"/previous/summary/quarantine", "1"},
        {"/overlay/quarantine", "[]"}},
       {"policy", "show", "--all"}, 2,
       "spamwallctl: The following argument was not expected: --all (spamwallctl policy show --help)\n", "usage"},

      {{"policy", "check", "{dir}/p1.yaml"}, {"policy", "check", "{dir}/p1.yaml"}, "policy.check", false,
       {"policy {dir}/p1.yaml is valid (compiled in ", "what a push would change:\n", "\nbusiness 2 0 0 2\n",
        "\nquarantine 0 1 1 0\n", "\nmode: enforce -> enforce\n"},
       {{"/valid", "true"}, {"/path", "\"{dir}/p1.yaml\""}, {"/diff/business/removed", "2"},
        {"/diff/quarantine/added", "1"}, {"/summary/quarantine", "1"}, {"/compile_ms", ""}},
       {"policy", "check", "{dir}/nope.yaml"}, 1,
       "spamwallctl: policy refused:\n{dir}/nope.yaml: No such file or directory\n", "refused"},

      {{"policy", "push", "{dir}/p1.yaml"}, {"policy", "push", "{dir}/p2.yaml"}, "policy.push", true,
       {"generation {gen} is live (previous {gen0}) from {dir}/p1.yaml\n", "\npublish ", "\nbusiness 0 2\n",
        "\nquarantine 1 0\n"},
       {{"/generation", "{gen}"}, {"/previous_generation", "{gen0}"}, {"/source", "\"{dir}/p2.yaml\""},
        {"/dataplane/publish_us", ""}, {"/dataplane/grace_us", ""}, {"/changes/business/added", "2"}},
       {"policy", "push"}, 2, "spamwallctl: FILE is required (spamwallctl policy push --help)\n", "usage"},

      {{"policy", "rollback"}, {"policy", "rollback"}, "policy.rollback", true,
       {"rolled back: generation {gen} is live with the policy of generation {prev0} ({dir}/p1.yaml)\n",
        "\nbusiness 0 2\n"},
       {{"/generation", "{gen}"}, {"/restored_generation", "{prev0}"}, {"/rolled_back_from", "{gen0}"},
        {"/source", "\"{dir}/p2.yaml\""}, {"/changes/business/added", "2"}},
       {"policy", "rollback", "now"}, 2,
       "spamwallctl: The following argument was not expected: now (spamwallctl policy rollback --help)\n", "usage"},

      {{"policy", "rollback", "--to", "{prev0}"}, {"policy", "rollback", "--to={prev0}"}, "policy.rollback", true,
       {"rolled back: generation {gen} is live with the policy of generation {prev0} ("},
       {{"/generation", "{gen}"}, {"/restored_generation", "{prev0}"}, {"/rolled_back_from", "{gen0}"}},
       {"policy", "rollback", "--to", "999999"}, 1,
       "spamwallctl: cannot roll back to generation 999999: it is not saved (saved generations: 1 2 3 4 5 6 7 8)\n", "refused"},

      {{"stats"}, {"stats"}, "stats", false,
       {"per reason:\n", "per port:\n", "\n0 net_null0 subscriber ", "per worker:\n", "per policy generation:\n",
        "\n{gen} "},
       {{"/controld_generation", "{gen}"}, {"/policy/generation", "{gen}"}, {"/ports/1/name", "\"net_null1\""},
        {"/packets", ""}, {"/packets_per_s", ""}, {"/generations", ""}},
       {"stats", "now"}, 2, "spamwallctl: The following argument was not expected: now (spamwallctl stats --help)\n",
       "usage"},

      {{"quarantine", "add", "100.64.5.5"}, {"quarantine", "add", "100.64.5.6"}, "quarantine.add", true,
       {"ok: generation {gen} is live\n", "\nquarantine 1 0\n"},
       {{"/generation", "{gen}"}, {"/changes/quarantine/added", "1"},
        {"/overlay/quarantine", R"(["100.64.5.5/32", "100.64.5.6/32"])"}},
       {"quarantine", "add", "100.64.1.300"}, 1, "spamwallctl: quarantine: '100.64.1.300' is not an IPv4 address\n",
       "refused"},

      {{"quarantine", "list"}, {"quarantine", "list"}, "quarantine.list", false,
       {"\naddr origin\n100.64.5.5/32 overlay\n100.64.5.6/32 overlay\n"},
       {{"/entries", R"([{"addr": "100.64.5.5/32", "origin": "overlay"},
                         {"addr": "100.64.5.6/32", "origin": "overlay"}])"}},
       {"quarantine", "list", "all"}, 2,
       "spamwallctl: The following argument was not expected: all (spamwallctl quarantine list --help)\n", "usage"},

      {{"quarantine", "del", "100.64.5.5"}, {"quarantine", "del", "100.64.5.6/32"}, "quarantine.del", true,
       {"ok: generation {gen} is live\n", "\nquarantine 0 1\n"},
       {{"/generation", "{gen}"}, {"/changes/quarantine/removed", "1"}, {"/overlay/quarantine", "[]"}},
       {"quarantine", "del", "garbage/99"}, 1, "spamwallctl: quarantine: 'garbage/99': 'garbage' is not an IPv4 address\n",
       "refused"},

      {{"exempt", "add", "100.64.7.0/24", "--owner", "ticket-1", "--reason", "approved relay", "--expires",
        "2099-01-01"},
       {"exempt", "add", "100.64.8.0/24", "--owner", "ticket-2", "--reason", "r", "--expires", "2099-12-31"},
       "exempt.add", true, {"ok: generation {gen} is live\n", "\nexemptions 1 0\n"},
       {{"/generation", "{gen}"}, {"/changes/exemptions/added", "1"}, {"/overlay/exemptions/1/owner", "\"ticket-2\""}},
       {"exempt", "add", "100.64.9.0/24", "--reason", "r", "--expires", "2099-01-01"}, 2,
       "spamwallctl: --owner is required (spamwallctl exempt add --help)\n", "usage"},

      {{"exempt", "add", "100.64.0.0/16", "--owner", "ticket-3", "--reason", "whole pool", "--expires",
        "2099-01-01", "--force"},
       {"exempt", "add", "100.65.0.0/16", "--owner", "ticket-4", "--reason", "r", "--expires", "2099-01-01", "--force"},
       "exempt.add", true, {"ok: generation {gen} is live\n", "\nexemption 100.64.0.0/16 frees 65,024 consumer addresses of its 65,536 (99%; 1.6% of the policy's "
                                          "4,193,792 IPv4 consumer addresses)\n"},
       {{"/generation", "{gen}"}, {"/exemptions/0/prefix", "\"100.65.0.0/16\""}, {"/exemptions/0/frees", "\"65,536\""}},
       {"exempt", "add", "100.66.0.0/16", "--owner", "o", "--reason", "r", "--expires", "2099-01-01"}, 1,
       "spamwallctl: exemption 100.66.0.0/16 is wider than /24 (controld's max_exemption_v4): it frees 65,536 "
       "consumer addresses of its 65,536 (100%; 1.6% of the policy's 4,193,792 IPv4 consumer addresses); add "
       "--force to exempt it anyway (audited)\n", "refused"},

      {{"exempt", "list"}, {"exempt", "list"}, "exempt.list", false,
       {"\nprefix owner reason expires state days_left origin added_by\n100.64.7.0/24 ticket-1 approved relay "
        "2099-01-01 active "},
       {{"/entries/1/prefix", "\"100.64.8.0/24\""}, {"/entries/1/owner", "\"ticket-2\""}, {"/entries/1/state", "\"active\""},
        {"/entries/1/expires", "\"2099-12-31\""}, {"/entries/1/origin", "\"overlay\""}, {"/entries/1/days_left", ""},
        {"/today", ""}},
       {"exempt", "list", "all"}, 2,
       "spamwallctl: The following argument was not expected: all (spamwallctl exempt list --help)\n", "usage"},

      {{"exempt", "del", "100.64.7.0/24"}, {"exempt", "del", "100.64.8.0/24"}, "exempt.del", true,
       {"ok: generation {gen} is live\n", "\nexemptions 0 1\n"},
       {{"/generation", "{gen}"}, {"/changes/exemptions/removed", "1"},
        {"/overlay/exemptions/0/owner", "\"ticket-3\""}, {"/overlay/exemptions/1/owner", "\"ticket-4\""}},
       {"exempt", "del", "100.64.7.0/99"}, 1, "spamwallctl: exemption: '100.64.7.0/99': prefix length must be 0..32\n",
       "refused"},

      {{"mode", "monitor"}, {"mode", "enforce"}, "mode.set", true,
       {"ok: generation {gen} is live\n", "\nmode enforce -> monitor\n"},
       {{"/generation", "{gen}"}, {"/changes/mode", R"({"current": "monitor", "new": "enforce"})"},
        {"/overlay/mode", "\"enforce\""}},
       {"mode", "sideways"}, 2, "spamwallctl: MODE: sideways not in {enforce,monitor,clear} (spamwallctl mode --help)\n",
       "usage"},

      {{"mode", "clear"}, {"mode", "clear"}, "mode.clear", true,
       {"ok: generation {gen} is live\n", "\nmode monitor -> enforce\n", "\nmode: enforce (the policy file's)\n"},
       {{"/generation", "{gen}"}, {"/mode/origin", "\"file\""}, {"/overlay/mode", "null"}},
       {"mode", "clear"}, 1,
       "spamwallctl: no mode override is set: the policy file's mode (enforce) is in force\n", "refused",
       {"mode", "monitor"}},

      {{"audit", "100"}, {"audit", "1"}, "audit.tail", false,
       {"audit log {dir}/audit.log:\n", " policy.push files=1 path={dir}/p1.yaml ok ",
        " quarantine.add addr=100.64.1.300 refused: quarantine: '100.64.1.300' is not an IPv4 address ",
        " mode.set mode=enforce ok ", " exempt.add expires=2099-01-01 force=true owner=ticket-3 "},
       {{"/path", "\"{dir}/audit.log\""}, {"/records/0/cmd", "\"mode.clear\""},
        {"/records/0/result", "\"refused: no mode override is set: the policy file's mode (enforce) is in force\""},
        {"/records/0/generation", "{gen}"}, {"/records/0/args", "{}"}},
       {"audit", "0"}, 2, "spamwallctl: N: Value 0 not in range 1 to 100000 (spamwallctl audit --help)\n", "usage"},

      // Containment: this stack's dataplane samples nothing (net_null), so the
      // store holds only what these rows put there.
      {{"whois", "<nobody.1@nowhere.example>"}, {"whois", "nobody.1@nowhere.example"}, "whois", false,
       {"Message-ID <nobody.1@nowhere.example>: not found in the event store (not sampled, or past the retention), 0 complaints\n"},
       {{"/messages", "[]"}, {"/complaints", "0"}, {"/message_id", "\"nobody.1@nowhere.example\""}},
       {"whois"}, 2, "spamwallctl: MESSAGE-ID is required (spamwallctl whois --help)\n", "usage"},

      {{"complaint", "{repo}/tests/fixtures/complaints/bare-one.txt"},
       {"complaint", "{repo}/tests/fixtures/complaints/bare-three.txt"}, "complaint", false,
       {"complaint (message_id): 1 Message-ID, 0 resolved to a subscriber\n",
        "\n<20240312101500.4F2A1C0@mx.spamwall-customer.example> (unresolved: not in the event store) - - -\n"},
       {{"/kind", "\"message_id\""}, {"/ids/0/resolved", "false"}, {"/ids/2/resolved", "false"}, {"/actions", "[]"}},
       {"complaint", "{repo}/tests/fixtures/complaints/empty.txt"}, 1, "spamwallctl: {repo}/tests/fixtures/complaints/empty.txt: complaint: no Message-ID found (neither an ARF "
       "report, a forwarded message with the original's headers, nor a bare <id@host>); the input is empty\n", "refused", {}, true},

      {{"events", "-n", "2"}, {"events", "--type", "complaint", "--since", "2026-01-01"}, "events.query", false,
       {"events from sqlite:{dir}/state/events.sqlite, newest first:\n", " complaint - - - message_id="},
       {{"/store", "\"sqlite:{dir}/state/events.sqlite\""}, {"/events/0/type", "\"complaint\""},
        {"/events/0/resolved", "false"}},
       {"events", "--since", "yesterday"}, 2, "spamwallctl: --since: 'yesterday' is neither unix seconds nor a UTC time YYYY-MM-DD[THH:MM[:SS]] "
       "(spamwallctl events --help)\n", "usage"},

      {{"top", "zombies", "--by", "complaints"}, {"top", "zombies", "--by", "hits", "-n", "5"}, "zombies.top", false,
       {"top subscribers by complaints:\n(none)\n"},
       {{"/subscribers", "[]"}, {"/by", "\"hits\""}},
       {"top", "zombies", "--by", "bogus"}, 2,
       "spamwallctl: --by: bogus not in {attempts,destinations,hits,complaints} (spamwallctl top zombies --help)\n",
       "usage"},

      {{"signatures", "check", "{repo}/signatures/starter.sigs"}, {"signatures", "check", "{repo}/signatures/starter.sigs"},
       "signatures.check", false,
       {"signatures are valid: 49 (39 spam, 10 malware), compiled in ", "\n{repo}/signatures/starter.sigs 49 "},
       {{"/signatures", "49"}, {"/exact", "49"}, {"/files/0/path", "\"{repo}/signatures/starter.sigs\""},
        {"/database_bytes", ""}},
       {"signatures", "check"}, 2, "spamwallctl: FILE is required (spamwallctl signatures check --help)\n", "usage"},

      {{"signatures", "show"}, {"signatures", "show"}, "signatures.show", false,
       {"generation {gen}: 0 signatures\n"},
       {{"/signatures", "0"}, {"/generation", "{gen}"}, {"/files", "[]"}},
       {"signatures", "show", "all"}, 2,
       "spamwallctl: The following argument was not expected: all (spamwallctl signatures show --help)\n", "usage"},

      {{"signatures", "push", "{repo}/signatures/starter.sigs"}, {"signatures", "push", "{repo}/signatures/starter.sigs"},
       "signatures.push", true,
       {"ok: generation {gen} is live\n", "signatures: the runtime set {repo}/signatures/starter.sigs (pushed by "},
       {{"/generation", "{gen}"}, {"/overlay/signatures/files/0/path", "\"{repo}/signatures/starter.sigs\""},
        {"/overlay/signatures/files/0/bytes", ""}},
       {"signatures", "push", "{repo}/tests/fixtures/signatures/bad-flag.sigs"}, 1,
       "spamwallctl: signatures refused:\n{repo}/tests/fixtures/signatures/bad-flag.sigs:4: unknown flag 'q' (a regex takes i, m, s)\n",
       "refused"},

      // The pushed set is the live one, said so by show.
      {{"signatures", "show"}, {"signatures", "show"}, "signatures.show", false,
       {"generation {gen}: 49 signatures (pushed by ", "\n{repo}/signatures/starter.sigs 49 "},
       {{"/signatures", "49"}, {"/origin", "\"override\""}, {"/set_by", ""}},
       {"signatures", "show", "--all"}, 2,
       "spamwallctl: The following argument was not expected: --all (spamwallctl signatures show --help)\n", "usage"},

      {{"signatures", "clear"}, {"signatures", "clear"}, "signatures.clear", true,
       {"ok: generation {gen} is live\n", "\nsignatures 0 1\n"},
       {{"/generation", "{gen}"}, {"/overlay/signatures", "null"}},
       {"signatures", "clear"}, 1,
       "spamwallctl: no runtime signature set is pushed: the policy file's signatures are in force\n", "refused",
       {"signatures", "push", "{repo}/signatures/starter.sigs"}},
  };
  return cases;
}

std::string Replace(std::string s, const std::map<std::string, std::string>& vars) {
  for (const auto& [k, v] : vars)
    for (size_t at; (at = s.find(k)) != std::string::npos;) s.replace(at, k.size(), v);
  return s;
}

// Each line without its indentation and with runs of spaces as one: a table
// row is matched as "business 2 0 0 2", whatever the column widths.
std::string Squeeze(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != ' ' || (!out.empty() && out.back() != ' ' && out.back() != '\n')) out += c;
  for (size_t at; (at = out.find(" \n")) != std::string::npos;) out.erase(at, 1);
  return out;
}

// What controld says of itself, read beside spamwallctl.
struct State {
  uint64_t gen = 0, prev = 0;
  std::vector<json> audit;  // the audit log's outcome records
};

class CtlFormsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(stack_.Start()) << stack_.Logs();
    // A previous generation: the boot policy (p1), then p2.
    const uint64_t boot = Now().gen;
    ASSERT_GT(boot, 0u);
    ASSERT_EQ(stack_.CtlJson({"policy", "push", stack_.path("p2.yaml")})["generation"], boot + 1);
    State s = Now();
    ASSERT_EQ(s.gen, boot + 1);
    ASSERT_EQ(s.prev, boot);
    vars_["{dir}"] = stack_.path("");
    vars_["{dir}"].pop_back();  // no trailing '/'
    vars_["{repo}"] = Repo();
  }

  State Now() {
    State s;
    proto::Client c;
    json reply;
    std::string error;
    EXPECT_TRUE(c.Connect(stack_.ctl(), 5, &error) && c.Call("policy.show", json::object(), &reply, &error))
        << error;
    const json& r = reply.value("result", json::object());
    if (r.contains("current") && r["current"].is_object()) s.gen = r["current"].value("generation", uint64_t{0});
    if (r.contains("previous") && r["previous"].is_object()) s.prev = r["previous"].value("generation", uint64_t{0});
    std::ifstream log(stack_.audit());
    // Each request's outcome (its intent, the line before, is checked in
    // controld_e2e_test).
    for (std::string line; std::getline(log, line);) {
      json rec = json::parse(line, nullptr, false);
      if (rec.is_object() && rec.value("phase", "") == "outcome") s.audit.push_back(rec);
    }
    return s;
  }

  std::vector<std::string> Args(std::vector<std::string> args, bool as_json,
                                std::map<std::string, std::string> vars = {}) {
    for (auto& a : args) a = Replace(Replace(a, vars), vars_);
    if (as_json) args.insert(args.begin(), "-j");
    return args;
  }

  // What a run must have done to controld: a mutating command exactly one
  // new generation and one audit record, "ok" or refused; any other nothing.
  void CheckEffect(const Case& c, const State& before, const State& after, bool accepted, bool reached) {
    const bool audited = (c.mutating || c.audited) && reached;
    EXPECT_EQ(after.gen, before.gen + (c.mutating && accepted ? 1 : 0));
    ASSERT_EQ(after.audit.size(), before.audit.size() + (audited ? 1 : 0));
    if (!audited) return;
    const json& rec = after.audit.back();
    EXPECT_EQ(rec["cmd"], c.cmd) << rec.dump();
    EXPECT_EQ(rec["uid"], getuid()) << rec.dump();
    EXPECT_EQ(rec["generation"], after.gen) << rec.dump();
    if (accepted) EXPECT_EQ(rec["result"], "ok") << rec.dump();
    else EXPECT_TRUE(rec["result"].get<std::string>().starts_with("refused: ")) << rec.dump();
  }

  std::map<std::string, std::string> Vars(const State& before, const State& after) {
    auto vars = vars_;
    vars["{gen0}"] = std::to_string(before.gen);
    vars["{prev0}"] = std::to_string(before.prev);
    vars["{gen}"] = std::to_string(after.gen);
    vars["{prev}"] = std::to_string(after.prev);
    return vars;
  }

  Stack stack_;
  std::map<std::string, std::string> vars_;
};

TEST_F(CtlFormsTest, EveryCommandInBothFormsValidAndNot) {
  size_t mutating_ok = 0, mutating_refused = 0, setups = 0, audited_ok = 0;
  const size_t audit_at_start = Now().audit.size();
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.cmd);
    for (bool as_json : {false, true}) {
      SCOPED_TRACE(as_json ? "-j" : "human");
      if (!c.setup.empty()) {
        ASSERT_EQ(stack_.Ctl(Args(c.setup, false)).code, 0);
        setups++;  // a mutating command, audited
      }
      const State before = Now();
      const std::vector<std::string> args = Args(as_json ? c.as_json : c.human, as_json, Vars(before, before));
      CtlResult r = stack_.Ctl(args);
      const State after = Now();
      const auto vars = Vars(before, after);
      ASSERT_EQ(r.code, 0) << r.err << stack_.Logs();
      EXPECT_EQ(r.err, "");
      CheckEffect(c, before, after, true, true);
      mutating_ok += c.mutating;
      audited_ok += c.audited;
      if (as_json) {
        json j = json::parse(r.out, nullptr, false);
        ASSERT_TRUE(j.is_object()) << r.out;
        EXPECT_FALSE(j.contains("error")) << r.out;
        for (const auto& [pointer, want] : c.json_has) {
          const json::json_pointer p(pointer);
          ASSERT_TRUE(j.contains(p)) << pointer << " in " << r.out;
          if (!want.empty()) EXPECT_EQ(j[p], json::parse(Replace(want, vars))) << pointer << " in " << r.out;
        }
      } else {
        EXPECT_FALSE(r.out.empty());
        EXPECT_EQ(r.out.find_first_of("{}"), std::string::npos) << "JSON where a table is expected:\n" << r.out;
        EXPECT_TRUE(json::parse(r.out, nullptr, false).is_discarded()) << r.out;
        const std::string out = "\n" + Squeeze(r.out);
        for (const auto& part : c.human_has)
          EXPECT_TRUE(Contains(out, Replace(part, vars))) << Replace(part, vars) << "\nnot in\n" << r.out;
      }
    }

    // The bad invocation, in both forms: one line on stderr, the same
    // message with -j as {"error": {...}} on stdout, and no effect.
    for (bool as_json : {false, true}) {
      SCOPED_TRACE(as_json ? "bad -j" : "bad human");
      const State before = Now();
      CtlResult r = stack_.Ctl(Args(c.bad, as_json));
      const State after = Now();
      EXPECT_EQ(r.code, c.bad_code) << r.err;
      const std::string err = Replace(c.bad_err, vars_);
      EXPECT_EQ(r.err, err);
      CheckEffect(c, before, after, false, c.bad_code == 1);
      mutating_refused += (c.mutating || c.audited) && c.bad_code == 1;
      if (!as_json) {
        EXPECT_EQ(r.out, "");
        continue;
      }
      json j = json::parse(r.out, nullptr, false);
      ASSERT_TRUE(j.is_object()) << r.out;
      ASSERT_TRUE(j.contains("error") && j["error"].is_object()) << r.out;
      EXPECT_EQ(j["error"]["code"], c.bad_json_code) << r.out;
      // The message is the stderr line, without "spamwallctl: ".
      EXPECT_EQ("spamwallctl: " + j["error"].value("message", "") + "\n", err) << r.out;
      if (c.cmd == std::string("policy.check")) {
        EXPECT_EQ(j["result"]["valid"], false) << r.out;
        EXPECT_EQ(j["error"]["errors"], json::array({Replace("{dir}/nope.yaml: No such file or directory", vars_)}));
      }
    }
  }
  // Every mutating run left its record: 2 per row, plus the refused ones.
  EXPECT_EQ(Now().audit.size() - audit_at_start, mutating_ok + audited_ok + mutating_refused + setups);
  EXPECT_EQ(mutating_ok, 24u);
  EXPECT_EQ(audited_ok, 2u);
  EXPECT_EQ(mutating_refused, 18u);  // 16 mutating, and the complaint refused in both forms
}

// The options also after the command (fallthrough), in both forms.
TEST_F(CtlFormsTest, OptionsMayFollowTheCommand) {
  const State s = Now();
  auto Run = [](const std::vector<std::string>& args) {
    golden::SplitResult r = golden::RunBinarySplit(golden::BuiltBinary("spamwallctl"), args);
    return CtlResult{r.exit_code, r.out, r.err};
  };
  CtlResult r = Run({"policy", "show", "-s", stack_.ctl(), "-j"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["previous"]["generation"], s.prev);
  r = Run({"policy", "show", "-s", stack_.ctl()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "previous: generation " + std::to_string(s.prev) + ",")) << r.out;
}

// The table covers every command spamwallctl has: its --help, walked down.
TEST(CtlFormsCoverage, EveryCommandOfTheHelpIsInTheTable) {
  auto Subcommands = [](const std::vector<std::string>& path) {
    std::vector<std::string> args = path;
    args.push_back("--help");
    CtlResult r = RunCtl("/nonexistent.sock", args);
    EXPECT_EQ(r.code, 0) << r.err;
    std::vector<std::string> subs;
    std::istringstream in(r.out);
    bool in_section = false;
    for (std::string line; std::getline(in, line);) {
      if (line == "Subcommands:") in_section = true;
      else if (in_section && line.empty()) break;
      else if (in_section) subs.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
    return subs;
  };
  std::set<std::string> commands;
  for (const auto& top : Subcommands({})) {
    auto children = Subcommands({top});
    if (children.empty()) commands.insert(top);
    for (const auto& child : children) commands.insert(top + " " + child);
  }
  EXPECT_EQ(commands.size(), 21u);
  std::set<std::string> tested;
  for (const Case& c : Cases()) {
    std::string two = c.human[0] + (c.human.size() > 1 ? " " + c.human[1] : "");
    tested.insert(commands.count(two) ? two : c.human[0]);
  }
  EXPECT_EQ(tested, commands);
}

// controld not there: every command, both forms, exit 3 and one line.
TEST(CtlFormsUnreachable, EveryCommandSaysSoInBothForms) {
  const std::string sock = "/nonexistent/ctl.sock";
  const std::string err = "spamwallctl: cannot reach spamwall-controld at " + sock + ": cannot connect to " + sock +
                          ": No such file or directory\n";
  for (const Case& c : Cases()) {
    std::vector<std::string> args = c.human;
    for (auto& a : args) a = Replace(a, {{"{dir}", "/tmp"}, {"{prev0}", "1"}});
    CtlResult h = RunCtl(sock, args);
    EXPECT_EQ(h.code, 3) << c.cmd;
    EXPECT_EQ(h.err, err) << c.cmd;
    EXPECT_EQ(h.out, "") << c.cmd;
    args.insert(args.begin(), "-j");
    CtlResult j = RunCtl(sock, args);
    EXPECT_EQ(j.code, 3) << c.cmd;
    EXPECT_EQ(j.err, err) << c.cmd;
    json e = json::parse(j.out, nullptr, false);
    ASSERT_TRUE(e.is_object()) << j.out;
    EXPECT_EQ(e["error"]["code"], "unreachable") << j.out;
    EXPECT_EQ("spamwallctl: " + e["error"].value("message", "") + "\n", err) << j.out;
  }
}

}  // namespace
}  // namespace spamwall::e2e
