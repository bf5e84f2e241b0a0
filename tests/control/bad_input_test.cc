// Malformed arguments, sent as raw requests (not through spamwallctl, which
// would refuse many of them itself): each is refused with bad_request (or
// refused, for a value that parses but may not be used) naming the field,
// never `internal`; each mutating one is audited, intent and outcome, with
// its arguments capped.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "ipc/client.h"
#include "tests/control/processes.h"

namespace spamwall::e2e {
namespace {

using nlohmann::json;

struct BadCase {
  const char* cmd;
  json args;
  const char* code;
  std::string message_has;
};

TEST(BadInputTest, WrongTypesSizesAndCharactersAreRefusedClearly) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  const std::string big(500000, 'r');
  const std::vector<BadCase> cases = {
      {"quarantine.add", {{"addr", 5}}, "bad_request", "quarantine.add: argument 'addr' must be a string, not number"},
      {"quarantine.add", json::object(), "bad_request", "argument 'addr' (a string) is required"},
      {"quarantine.add", {{"addr", std::string("100.64.1.1\0/8", 13)}}, "bad_request",
       "argument 'addr' contains a control character (a NUL byte): '100.64.1.1\\x00/8'"},
      {"quarantine.add", {{"addr", "::ffff:100.64.1.1"}}, "refused",
       "::ffff:100.64.1.1/128 is an IPv4-mapped IPv6 address, which IPv4 packets never match: use its IPv4 form "
       "100.64.1.1/32"},
      {"quarantine.del", {{"addr", "::100.64.0.0/106"}}, "refused", "IPv4-compatible"},
      {"quarantine.add", {{"addr", "100.64.1.1"}, {"extra", 1}}, "bad_request",
       "unknown argument 'extra' (known: addr, bundle)"},
      {"exempt.add", {{"prefix", "100.64.7.0/24"}, {"owner", std::string(300, 'o')}, {"reason", "r"}, {"expires", "2099-01-01"}},
       "bad_request", "argument 'owner' is 300 bytes, at most 256 allowed"},
      {"exempt.add", {{"prefix", "100.64.7.0/24"}, {"owner", "o"}, {"reason", "a\x1b[31mred"}, {"expires", "2099-01-01"}},
       "bad_request", "'reason' contains a control character (\\x1b)"},
      {"exempt.add", {{"prefix", "100.64.7.0/24"}, {"owner", "o"}, {"reason", "x\ny"}, {"expires", "2099-01-01"}},
       "bad_request", "'reason' contains a control character (\\x0a)"},
      {"exempt.add", {{"prefix", "100.64.7.0/24"}, {"owner", "o"}, {"reason", big}, {"expires", "2099-01-01"}},
       "bad_request", "argument 'reason' is 500000 bytes"},
      {"exempt.add", {{"prefix", "100.64.7.0/24"}, {"owner", {"a"}}, {"reason", "r"}, {"expires", "2099-01-01"}},
       "bad_request", "argument 'owner' must be a string, not array"},
      {"exempt.add", {{"prefix", "::ffff:100.64.7.0/120"}, {"owner", "o"}, {"reason", "r"}, {"expires", "2099-01-01"}},
       "refused", "use its IPv4 form 100.64.7.0/24"},
      {"exempt.del", {{"prefix", 7}}, "bad_request", "argument 'prefix' must be a string"},
      {"mode.set", {{"mode", true}}, "bad_request", "argument 'mode' must be a string, not boolean"},
      {"mode.set", {{"mode", "off"}}, "bad_request", "mode must be 'enforce' or 'monitor', not 'off'"},
      {"policy.rollback", {{"to", "1"}}, "bad_request", "argument 'to' must be a generation number"},
      {"policy.rollback", {{"back", 1}}, "bad_request", "unknown argument 'back'"},
      {"policy.push", {{"path", "/etc/passwd"}}, "bad_request", "does not open files a client names"},
      {"policy.push", {{"bundle", {{"files", {{{"path", "/p.yaml"}, {"size", 10}}}}}}}, "bad_request",
       "the bundle must come as a sealed memfd"},
      {"policy.check", {{"bundle", {{"files", {{{"path", "p.yaml"}, {"size", 1}}}}}}}, "bad_request",
       "bundle paths are absolute"},
      {"audit.tail", {{"n", "5"}}, "bad_request", "argument 'n' must be an integer 1..100000"},
      {"audit.tail", {{"user", 0}}, "bad_request", "argument 'user' must be a string"},
  };
  proto::Client c;
  std::string error;
  ASSERT_TRUE(c.Connect(s.ctl(), 10, &error)) << error;
  auto lines = [&] {
    std::vector<json> out;
    std::ifstream in(s.audit());
    for (std::string l; std::getline(in, l);) out.push_back(json::parse(l));
    return out;
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(std::string(k.cmd) + " " + k.args.dump().substr(0, 200));
    const size_t before = lines().size();
    json reply;
    ASSERT_TRUE(c.Call(k.cmd, k.args, &reply, &error)) << error;
    ASSERT_FALSE(reply.value("ok", true)) << reply.dump();
    EXPECT_EQ(reply["error"]["code"], k.code) << reply.dump();
    EXPECT_TRUE(Contains(reply["error"]["message"].get<std::string>(), k.message_has)) << reply.dump();
    const bool mutating = std::string(k.cmd) != "audit.tail" && std::string(k.cmd) != "policy.check";
    const std::vector<json> after = lines();
    ASSERT_EQ(after.size(), before + (mutating ? 2 : 0));
    if (!mutating) continue;
    EXPECT_EQ(after[before]["phase"], "intent");
    EXPECT_EQ(after[before + 1]["phase"], "outcome");
    EXPECT_TRUE(after[before + 1]["result"].get<std::string>().starts_with(std::string(k.code) + ": "))
        << after[before + 1].dump();
    EXPECT_LT(after[before].dump().size(), 6000u);  // capped, whatever was sent
  }
  // Still serving, nothing changed by any of it.
  EXPECT_EQ(s.CtlJson({"policy", "show"})["overlay"]["quarantine"], json::array());
}

}  // namespace
}  // namespace spamwall::e2e
