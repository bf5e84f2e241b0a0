// What an operator reads is what runs, through spamwallctl against a live
// controld and dataplane: a mode override is named on every push until
// `mode clear`; a 0.0.0.0/0 exemption is refused without --force with its
// real coverage, and audited when forced; an IPv4-mapped quarantine is
// refused with its IPv4 form.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/control/processes.h"

namespace spamwall::e2e {
namespace {

using nlohmann::json;

std::string Metrics(Stack& s) {
  httplib::Client http("127.0.0.1", s.metrics_port());
  auto res = http.Get("/metrics");
  return res ? res->body : "";
}

TEST(OverridesTest, ModeOverrideIsNamedOnEveryPushUntilCleared) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  ASSERT_EQ(s.Ctl({"mode", "monitor"}).code, 0) << s.Logs();

  CtlResult push = s.Ctl({"policy", "push", s.path("p2.yaml")});
  ASSERT_EQ(push.code, 0) << push.err;
  const std::string user = s.CtlJson({"policy", "show"})["mode"]["set_by"];
  EXPECT_EQ(user, "root");
  EXPECT_TRUE(Contains(push.out, "mode: the file says enforce, but the runtime override 'monitor' (set by root at "))
      << push.out;
  EXPECT_TRUE(Contains(push.out, "`spamwallctl mode clear` returns to the file's mode")) << push.out;
  json check = s.CtlJson({"policy", "check", s.path("p1.yaml")});
  EXPECT_EQ(check["mode"], json::parse(R"({"file": "enforce", "effective": "monitor"})")) << check.dump(2);
  bool warned = false;
  for (const auto& w : check["warnings"]) warned = warned || Contains(w.get<std::string>(), "runtime override 'monitor'");
  EXPECT_TRUE(warned) << check.dump(2);

  json show = s.CtlJson({"policy", "show"});
  EXPECT_EQ(show["mode"]["effective"], "monitor");
  EXPECT_EQ(show["mode"]["origin"], "override");
  EXPECT_EQ(show["dataplane"]["mode"], "monitor") << show.dump(2);
  EXPECT_EQ(s.CtlJson({"stats"})["mode_origin"]["origin"], "override");
  EXPECT_TRUE(Contains(s.Ctl({"stats"}).out, "mode: monitor (runtime override by root at "));
  EXPECT_TRUE(Contains(Metrics(s), "\nspamwall_mode_override 1\n"));

  CtlResult clear = s.Ctl({"mode", "clear"});
  ASSERT_EQ(clear.code, 0) << clear.err;
  EXPECT_TRUE(Contains(clear.out, "mode: enforce (the policy file's)")) << clear.out;
  show = s.CtlJson({"policy", "show"});
  EXPECT_EQ(show["dataplane"]["mode"], "enforce") << show.dump(2);
  EXPECT_EQ(show["overrides"], json::array());
  EXPECT_TRUE(Contains(Metrics(s), "\nspamwall_mode_override 0\n"));
  push = s.Ctl({"policy", "push", s.path("p1.yaml")});
  ASSERT_EQ(push.code, 0) << push.err;
  EXPECT_FALSE(Contains(push.out, "runtime override")) << push.out;
  CtlResult again = s.Ctl({"mode", "clear"});
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err, "spamwallctl: no mode override is set: the policy file's mode (enforce) is in force\n");
}

// A pushed signature set is live, stays through a policy push and a
// restarted controld (kept in the overlay with its texts), and is named as
// an override until `signatures clear`.
TEST(OverridesTest, APushedSignatureSetOutlivesPushesAndRestartsUntilCleared) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  const std::string starter = Repo() + "/signatures/starter.sigs";
  // A file of comments only (shorter than a string's inline buffer, as the
  // bytes were once read after they had been moved away) is no set.
  s.Write("comments.sigs", "# none\n");
  CtlResult empty = s.Ctl({"signatures", "push", s.path("comments.sigs")});
  EXPECT_EQ(empty.code, 1);
  EXPECT_EQ(empty.err, "spamwallctl: signatures refused: the files hold no signature (`signatures clear` returns to "
                       "the policy file's set)\n");
  const uint64_t before = s.CtlJson({"policy", "show"})["current"]["generation"];
  json pushed = s.CtlJson({"signatures", "push", starter});
  EXPECT_EQ(pushed["generation"], before + 1) << pushed.dump(2);
  EXPECT_EQ(pushed["changes"]["signatures"], json::parse(R"({"added": 1, "removed": 0})")) << pushed.dump(2);

  CtlResult push = s.Ctl({"policy", "push", s.path("p2.yaml")});
  ASSERT_EQ(push.code, 0) << push.err;
  EXPECT_TRUE(Contains(push.out, "signatures: the runtime set " + starter + " (pushed by root at ")) << push.out;
  json show = s.CtlJson({"signatures", "show"});
  EXPECT_EQ(show["signatures"], 49) << show.dump(2);
  EXPECT_EQ(show["origin"], "override");
  EXPECT_EQ(show["set_by"], "root");

  s.controld().Stop();
  ASSERT_TRUE(s.StartControld()) << s.Logs();
  show = s.CtlJson({"signatures", "show"});
  EXPECT_EQ(show["signatures"], 49) << show.dump(2) << s.Logs();
  EXPECT_EQ(show["origin"], "override");
  json policy = s.CtlJson({"policy", "show"});
  ASSERT_EQ(policy["overrides"].size(), 1u) << policy.dump(2);
  EXPECT_EQ(policy["overrides"][0]["kind"], "signatures");
  EXPECT_TRUE(Contains(s.Ctl({"policy", "show"}).out, ", signatures pushed (files: 1)\n"));
  // A recompile after the restart (an overlay change) still carries it.
  ASSERT_EQ(s.Ctl({"quarantine", "add", "100.64.5.5"}).code, 0);
  EXPECT_EQ(s.CtlJson({"signatures", "show"})["signatures"], 49);

  CtlResult clear = s.Ctl({"signatures", "clear"});
  ASSERT_EQ(clear.code, 0) << clear.err;
  show = s.CtlJson({"signatures", "show"});
  EXPECT_EQ(show["signatures"], 0) << show.dump(2);
  EXPECT_EQ(show["origin"], "file");
  EXPECT_EQ(s.CtlJson({"policy", "show"})["overrides"], json::array());
  CtlResult again = s.Ctl({"signatures", "clear"});
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err, "spamwallctl: no runtime signature set is pushed: the policy file's signatures are in force\n");
}

TEST(OverridesTest, TheWholeAddressSpaceNeedsForceAndItsCoverageIsStated) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  const std::vector<std::string> add = {"exempt", "add", "0.0.0.0/0", "--owner", "t-1", "--reason", "r",
                                        "--expires", "2099-01-01"};
  CtlResult r = s.Ctl(add);
  EXPECT_EQ(r.code, 1);
  // p1: consumer 100.64.0.0/10, all of it freed by 0/0.
  EXPECT_EQ(r.err,
            "spamwallctl: exemption 0.0.0.0/0 is wider than /24 (controld's max_exemption_v4): it frees 4,194,304 "
            "consumer addresses of its 4,294,967,296 (0.098%; 100% of the policy's 4,194,304 IPv4 consumer "
            "addresses); add --force to exempt it anyway (audited)\n");
  EXPECT_EQ(s.CtlJson({"exempt", "list"})["entries"], json::array());

  std::vector<std::string> forced = add;
  forced.push_back("--force");
  json ok = s.CtlJson(forced);
  EXPECT_EQ(ok["exemptions"][0]["frees"], "4,194,304") << ok.dump(2);
  EXPECT_EQ(ok["exemptions"][0]["of"], "4,294,967,296") << ok.dump(2);
  EXPECT_EQ(s.CtlJson({"policy", "show"})["dataplane"]["summary"]["exemptions_active"], 1);
  // Audited as forced: the refusal and the forced add, each with its args.
  int refused = 0, forced_ok = 0;
  std::ifstream log(s.audit());
  for (std::string line; std::getline(log, line);) {
    json rec = json::parse(line, nullptr, false);
    if (!rec.is_object() || rec["phase"] != "outcome" || rec["cmd"] != "exempt.add") continue;
    if (rec["args"].value("force", false) && rec["result"] == "ok") forced_ok++;
    if (!rec["args"].contains("force") && rec["result"].get<std::string>().starts_with("refused: ")) refused++;
  }
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(forced_ok, 1);
}

TEST(OverridesTest, AMappedQuarantineIsRefusedWithItsIpv4Form) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  CtlResult r = s.Ctl({"quarantine", "add", "::ffff:100.64.99.7"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spamwallctl: quarantine: ::ffff:100.64.99.7/128 is an IPv4-mapped IPv6 address, which IPv4 "
                   "packets never match: use its IPv4 form 100.64.99.7/32\n");
  // In a policy file too (it was accepted there before).
  s.Write("mapped.yaml", std::string(kPolicy2) + "quarantine: ['::ffff:100.64.99.7']\n");
  r = s.Ctl({"policy", "push", s.path("mapped.yaml")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "mapped.yaml:5:14: quarantine: ::ffff:100.64.99.7/128 is an IPv4-mapped IPv6 "
                              "address, which IPv4 packets never match: use its IPv4 form 100.64.99.7/32"))
      << r.err;
  EXPECT_EQ(s.CtlJson({"quarantine", "list"})["entries"].size(), 1u);  // p1's own, unchanged
}

}  // namespace
}  // namespace spamwall::e2e
