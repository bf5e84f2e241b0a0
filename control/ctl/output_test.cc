// spamwallctl's human formatters: what they print for real replies, read
// as their typed results, and that no result, however malformed, makes them
// crash or throw (a required field missing, or any field of another type,
// is named).
#include "control/ctl/output.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <string>
#include <vector>

namespace spamwall::ctl {
namespace {

using nlohmann::json;

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The text, or the reason it does not read.
std::string Format(const std::string& cmd, const json& result) {
  std::string out;
  FormatResult(cmd, result, &out);
  return out;
}

// Real replies of a controld with a previous generation (trimmed), one per
// command spamwallctl prints.
struct Sample {
  const char* cmd;
  const char* result;
};
const Sample kSamples[] = {
    {"policy.check",
     R"j({"compile_ms":2.93,"diff":{"business":{"added":2,"current":0,"new":2,"removed":0},
        "consumer":{"added":0,"current":1,"new":1,"removed":0},"mode":{"current":"enforce","new":"enforce"},
        "quarantine":{"added":0,"current":1,"new":0,"removed":1}},"errors":[],"path":"/p/p2.yaml",
        "summary":{"business":2,"consumer":1},"valid":true,"warnings":["/p/p2.yaml:3:1: a warning"]})j"},
    {"policy.push",
     R"j({"changes":{"quarantine":{"added":0,"removed":1}},"compile_ms":1.97,
        "dataplane":{"generation":2,"grace_us":3.1,"load_ms":0.96,"previous_generation":1,"publish_us":0.028},
        "generation":2,"image_ms":0.81,"live_ms":12.9,"load_ms":0.17,"previous_generation":1,
        "source":"/p/p2.yaml","total_ms":12.95,"warnings":[]})j"},
    {"policy.rollback",
     R"j({"changes":{"quarantine":{"added":1,"removed":0}},"dataplane":{"generation":3,"load_ms":1.2},
        "generation":3,"restored_generation":1,"rolled_back_from":2,"source":"/p/p1.yaml","total_ms":15.3})j"},
    {"policy.show",
     R"j({"current":{"generation":2,"mode":"enforce","on_dataplane":true,"pushed_at":"2026-12-02T00:07:26.155Z",
        "pushed_by":"root","source":"/p/p2.yaml","summary":{"business":0,"consumer":1},"warnings":[]},
        "dataplane":{"generation":2,"mode":"enforce","origin":"spamwallctl policy push /p/p2.yaml by root"},
        "dataplane_socket":"/p/dp.sock","overlay":{"exemptions":[],"mode":null,"quarantine":[],"version":1},
        "previous":{"generation":1,"mode":"enforce","on_dataplane":true,"pushed_at":"2026-12-02T00:07:25.882Z",
        "pushed_by":"spamwall-controld (start)","source":"/p/p1.yaml","summary":{"quarantine":1},"warnings":[]}})j"},
    {"stats",
     R"j({"controld_generation":6,"dropped":{"consumer_smtp":3,"quarantine":4},"would_drop":{"consumer_smtp":0},
        "generations":[{"dropped":{"consumer_smtp":1},"generation":5,"live":false,"packets":10,"passed":9,
        "would_drop":{"consumer_smtp":0}},{"dropped":{"consumer_smtp":2},"generation":6,"live":true,
        "packets":20,"passed":18,"would_drop":{}}],"packets":30,"packets_per_s":3.5,"passed":27,
        "ports":[{"dropped":0,"name":"net_null0","port":0,"role":"subscriber","rx":30,"tx":29,"tx_failed":0}],
        "uptime_s":2.3,"workers":[{"dropped":{"consumer_smtp":3},"packets":30,"passed":27,"worker":0}]})j"},
    {"quarantine.add",
     R"j({"changes":{"quarantine":{"added":1,"removed":0}},"dataplane":{"generation":4},"generation":4,
        "overlay":{"exemptions":[],"mode":null,"quarantine":["100.64.5.5/32"],"version":1},"total_ms":17.9})j"},
    {"quarantine.del", R"j({"changes":{"quarantine":{"added":0,"removed":1}},"generation":5})j"},
    {"quarantine.list",
     R"j({"entries":[{"addr":"100.64.5.5/32","origin":"overlay"},{"addr":"100.64.99.7/32","origin":"policy"}]})j"},
    {"exempt.add", R"j({"changes":{"exemptions":{"added":1,"removed":0}},"generation":5})j"},
    {"exempt.del", R"j({"changes":{"exemptions":{"added":0,"removed":1}},"generation":6})j"},
    {"exempt.list",
     R"j({"entries":[{"expires":"2099-01-01","origin":"overlay","owner":"t-1","prefix":"100.64.7.0/24",
        "reason":"a b"}]})j"},
    {"mode.set", R"j({"changes":{"mode":{"current":"enforce","new":"monitor"}},"generation":6})j"},
    {"audit.tail",
     R"j({"path":"/p/audit.log","records":[{"args":{"addr":"100.64.5.5"},"cmd":"quarantine.add","generation":4,
        "pid":31091,"result":"ok","time":"2026-12-02T00:07:26.305Z","uid":0,"user":"root"},
        {"args":{"path":"/p/x.yaml"},"cmd":"policy.push","generation":4,"pid":31092,
        "result":"refused: policy refused:\n/p/x.yaml: cannot read policy file","time":"t","uid":0,"user":"root"}]})j"},
};

std::string Squeeze(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != ' ' || (!out.empty() && out.back() != ' ' && out.back() != '\n')) out += c;
  return out;
}

TEST(CtlOutputTest, RealRepliesPrintTheirValues) {
  auto Out = [](const char* cmd) {
    for (const auto& s : kSamples)
      if (std::string(s.cmd) == cmd) return Squeeze(Format(cmd, json::parse(s.result)));
    ADD_FAILURE() << cmd;
    return std::string();
  };
  // The crash this test was written for: a previous generation's summary.
  std::string show = Out("policy.show");
  EXPECT_TRUE(Contains(show, "current: generation 2, enforce, from /p/p2.yaml")) << show;
  EXPECT_TRUE(Contains(show, "previous: generation 1, enforce, from /p/p1.yaml")) << show;
  EXPECT_TRUE(Contains(show, "\nquarantine 1\n")) << show;
  EXPECT_TRUE(Contains(show, "overlay: 0 quarantined, 0 exemptions, mode override -")) << show;
  EXPECT_TRUE(Contains(show, "dataplane: generation 2, enforce, origin spamwallctl policy push")) << show;

  std::string check = Out("policy.check");
  EXPECT_TRUE(Contains(check, "policy /p/p2.yaml is valid (compiled in 2.930 ms)")) << check;
  EXPECT_TRUE(Contains(check, "\nbusiness 0 2 2 0\n")) << check;
  EXPECT_TRUE(Contains(check, "/p/p2.yaml:3:1: a warning")) << check;
  EXPECT_TRUE(Contains(check, "mode: enforce -> enforce")) << check;

  std::string push = Out("policy.push");
  EXPECT_TRUE(Contains(push, "generation 2 is live (previous 1) from /p/p2.yaml")) << push;
  EXPECT_TRUE(Contains(push, "\npublish 0.028 us\n")) << push;
  EXPECT_TRUE(Contains(push, "\nquarantine 0 1\n")) << push;

  std::string rb = Out("policy.rollback");
  EXPECT_TRUE(Contains(rb, "rolled back: generation 3 is live with the policy of generation 1 (/p/p1.yaml)")) << rb;

  std::string stats = Out("stats");
  EXPECT_TRUE(Contains(stats, "packets 30 passed 27 dropped 7 packets/s 3.500 uptime 2.300 s")) << stats;
  EXPECT_TRUE(Contains(stats, "\nconsumer_smtp 3 0\n")) << stats;
  EXPECT_TRUE(Contains(stats, "\nquarantine 4 -\n")) << stats;
  EXPECT_TRUE(Contains(stats, "\n0 net_null0 subscriber 30 29 0 0\n")) << stats;
  EXPECT_TRUE(Contains(stats, "\n6 20 18 2 0\n")) << stats;

  EXPECT_TRUE(Contains(Out("quarantine.add"), "ok: generation 4 is live\nchanges:\nlist added removed\nquarantine 1 0"));
  EXPECT_TRUE(Contains(Out("mode.set"), "\nmode enforce -> monitor\n")) << Out("mode.set");
  EXPECT_TRUE(Contains(Out("quarantine.list"), "\n100.64.99.7/32 policy\n")) << Out("quarantine.list");
  EXPECT_TRUE(Contains(Out("exempt.list"), "\n100.64.7.0/24 t-1 a b 2099-01-01 - - overlay -\n")) << Out("exempt.list");

  std::string audit = Out("audit.tail");
  EXPECT_TRUE(Contains(audit, "audit log /p/audit.log:")) << audit;
  EXPECT_TRUE(Contains(audit, "root 31091 quarantine.add addr=100.64.5.5 ok 4")) << audit;
  // A multi-line result stays on its row, its line break shown escaped.
  EXPECT_TRUE(Contains(audit, "policy.push path=/p/x.yaml refused: policy refused:\\x0a/p/x.yaml: cannot read")) << audit;
}

// What a client wrote into a reason, an owner or a path reaches another
// operator's terminal escaped: no escape sequence, no forged row or line.
TEST(CtlOutputTest, ControlCharactersAreEscaped) {
  const json list = {{"entries",
                      {{{"prefix", "100.64.7.0/24"}, {"owner", "eve\x1b[2J"}, {"reason", "ok\n100.64.0.0/10 forged"},
                        {"expires", "2099-01-01"}, {"origin", "overlay"}}}}};
  const std::string out = Format("exempt.list", list);
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_TRUE(Contains(out, "eve\\x1b[2J")) << out;
  EXPECT_TRUE(Contains(out, "ok\\x0a100.64.0.0/10 forged")) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;  // today, the header and one row
  const json rb = {{"generation", 3}, {"restored_generation", 1}, {"source", "/p/\x1b]0;x\x07p1.yaml"}};
  const std::string r = Format("policy.rollback", rb);
  EXPECT_EQ(r.find('\x1b'), std::string::npos) << r;
  EXPECT_EQ(r.find('\x07'), std::string::npos) << r;
}

TEST(CtlOutputTest, MissingFieldsAreNamedOrPrintADash) {
  for (const auto& s : kSamples) {
    std::string out;
    ASSERT_NO_THROW(FormatResult(s.cmd, json::object(), &out)) << s.cmd;
    EXPECT_FALSE(out.empty()) << s.cmd;
  }
  std::string out;
  EXPECT_FALSE(FormatResult("policy.push", json::object(), &out));
  EXPECT_TRUE(Contains(out, "controld's answer to policy.push does not read: generation: missing")) << out;
  // Nothing live yet is an answer: it reads.
  EXPECT_TRUE(FormatResult("policy.show", json::object(), &out));
  EXPECT_TRUE(Contains(out, "current: none\nprevious: none\n")) << out;
  EXPECT_TRUE(Contains(out, "overlay: - quarantined, - exemptions")) << out;
  EXPECT_TRUE(FormatResult("quarantine.list", json{{"entries", json::array()}}, &out));
  EXPECT_TRUE(Contains(out, "(none)")) << out;
  EXPECT_TRUE(FormatResult("mode.set", json{{"generation", 4}}, &out));
  EXPECT_TRUE(Contains(out, "ok: generation 4 is live\nchanges:\n  no list changed")) << out;
  EXPECT_FALSE(FormatResult("policy.show", json{{"current", {{"generation", json::array()}}}}, &out));
  EXPECT_TRUE(Contains(out, "current.generation: not an unsigned integer (array)")) << out;
  EXPECT_FALSE(FormatResult("stats", "x", &out));
  EXPECT_TRUE(Contains(out, "the answer: not an object (string)")) << out;
}

// Every node of `j` (its own pointer included).
void Pointers(const json& j, const json::json_pointer& at, std::vector<json::json_pointer>* out) {
  out->push_back(at);
  if (j.is_object())
    for (const auto& [k, v] : j.items()) Pointers(v, at / k, out);
  else if (j.is_array())
    for (size_t i = 0; i < j.size(); i++) Pointers(j[i], at / i, out);
}

// Each node of each real reply replaced by a value of every other type, and
// removed: the formatter neither crashes nor throws, and never prints JSON.
TEST(CtlOutputTest, AnyFieldOfAnyTypeIsSurvived) {
  const json kVariants[] = {nullptr, 0, -1, 18446744073709551615u, 1.5, "x", true,
                            json::array(), json::object(), json::parse(R"j([1, "a", {}, [], null])j"),
                            json::parse(R"j({"a": {}, "b": [], "generation": "x", "added": {}})j")};
  size_t cases = 0;
  for (const auto& s : kSamples) {
    const json real = json::parse(s.result);
    std::vector<json::json_pointer> nodes;
    Pointers(real, json::json_pointer(), &nodes);
    for (const auto& at : nodes) {
      std::vector<json> mutants;
      for (const auto& v : kVariants) {
        json m = real;
        m[at] = v;
        mutants.push_back(std::move(m));
      }
      if (!at.empty()) {
        json m = real;
        m[at.parent_pointer()].is_object() ? (void)m[at.parent_pointer()].erase(at.back())
                                           : (void)m[at.parent_pointer()].erase(std::stoul(at.back()));
        mutants.push_back(std::move(m));
      }
      for (const auto& m : mutants) {
        std::string out;
        ASSERT_NO_THROW(FormatResult(s.cmd, m, &out)) << s.cmd << " " << m.dump();
        EXPECT_EQ(out.find_first_of("{}"), std::string::npos) << s.cmd << " " << m.dump() << "\n" << out;
        cases++;
      }
    }
  }
  EXPECT_GT(cases, 1000u);
}

}  // namespace
}  // namespace spamwall::ctl
