// A change holds controld's change lock across its compile and its load,
// and nothing else waits for it: with a push stuck on a stopped dataplane
// (SIGSTOP, so the push cannot end before SIGCONT, whatever the machine's
// speed), the lists, `policy check` (which compiles) and a Prometheus scrape
// all answer before the push does, and the push then goes live.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/control/processes.h"
#include "tests/golden/run_dataplane.h"

namespace spamwall::e2e {
namespace {

using nlohmann::json;

// True once the audit log holds the intent of a policy.push: the push has
// taken the change lock (the intent is written under it).
bool PushIntentLogged(const std::string& audit) {
  std::ifstream log(audit);
  for (std::string line; std::getline(log, line);) {
    json rec = json::parse(line, nullptr, false);
    if (rec.is_object() && rec.value("phase", "") == "intent" && rec.value("cmd", "") == "policy.push") return true;
  }
  return false;
}

TEST(ConcurrentReadsTest, ReadsAndChecksAnswerWhileAPushWaitsForTheDataplane) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  const uint64_t g1 = s.CtlJson({"policy", "show"})["current"]["generation"];
  // Settled first: after its first sample the sampler reconciles once (its
  // link is new), holding the change lock; stopped in that moment, the
  // dataplane would keep the push from the lock for the link's timeout.
  httplib::Client http("127.0.0.1", s.metrics_port());
  http.set_read_timeout(30, 0);
  EXPECT_TRUE(golden::WaitFor(
      [&] {
        auto r = http.Get("/metrics");
        return r && Contains(r->body, "\nspamwall_up 1");
      },
      20));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  kill(s.dataplane().pid(), SIGSTOP);
  std::atomic<bool> push_done{false};
  CtlResult push;
  std::thread pusher([&] {
    push = s.Ctl({"--timeout", "60", "-j", "policy", "push", s.path("p2.yaml")});
    push_done = true;
  });
  // (Within the link's timeout even if a reconcile held the lock first.)
  const bool intent = golden::WaitFor([&] { return PushIntentLogged(s.audit()); }, 30);
  EXPECT_TRUE(intent) << s.Logs();

  // Each answered while the push is still waiting for the stopped dataplane.
  CtlResult quarantine = s.Ctl({"-j", "quarantine", "list"});
  const bool quarantine_first = !push_done;
  CtlResult exempt = s.Ctl({"-j", "exempt", "list"});
  const bool exempt_first = !push_done;
  CtlResult check = s.Ctl({"-j", "policy", "check", s.path("p2.yaml")});
  const bool check_first = !push_done;
  auto scrape = http.Get("/metrics");
  const bool scrape_first = !push_done;

  kill(s.dataplane().pid(), SIGCONT);
  pusher.join();

  EXPECT_EQ(quarantine.code, 0) << quarantine.err;
  EXPECT_TRUE(Contains(quarantine.out, "100.64.99.7/32")) << quarantine.out;
  EXPECT_TRUE(quarantine_first) << "quarantine list waited for the push";
  EXPECT_EQ(exempt.code, 0) << exempt.err;
  EXPECT_TRUE(exempt_first) << "exempt list waited for the push";
  EXPECT_EQ(check.code, 0) << check.err;
  json checked = json::parse(check.out, nullptr, false);
  EXPECT_EQ(checked.value("valid", false), true) << check.out;
  EXPECT_TRUE(check_first) << "policy check waited for the push";
  ASSERT_TRUE(scrape) << "no answer from /metrics";
  EXPECT_EQ(scrape->status, 200);
  EXPECT_TRUE(Contains(scrape->body, "spamwall_policy_generation")) << scrape->body.substr(0, 2000);
  EXPECT_TRUE(scrape_first) << "the scrape waited for the push";

  // The push itself went live once the dataplane ran again.
  ASSERT_EQ(push.code, 0) << push.err << s.Logs();
  json pushed = json::parse(push.out, nullptr, false);
  EXPECT_EQ(pushed.value("generation", uint64_t{0}), g1 + 1) << push.out;
  EXPECT_EQ(s.CtlJson({"policy", "show"})["dataplane"]["generation"], g1 + 1);
}

}  // namespace
}  // namespace spamwall::e2e
