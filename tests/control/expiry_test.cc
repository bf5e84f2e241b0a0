// An exemption stops applying in the running dataplane at the UTC midnight
// after its last day, without a push: controld, its clock moved to 23:59:45
// of the exemption's last day by libfaketime (Debian's faketime; the
// dataplane keeps the real clock), recompiles and pushes at midnight, and
// audits it as its own change.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/control/processes.h"

namespace spamwall::e2e {
namespace {

using nlohmann::json;

// libfaketime preloaded by env, which execs controld: the Stack stops
// controld itself (the faketime wrapper forks, and its child outlived it).
constexpr char kLibFaketime[] = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
constexpr char kLastDay[] = "2031-03-14";

std::vector<json> AuditOutcomes(const std::string& path) {
  std::vector<json> out;
  std::ifstream log(path);
  for (std::string line; std::getline(log, line);) {
    json rec = json::parse(line, nullptr, false);
    if (rec.is_object() && rec.value("phase", "") == "outcome") out.push_back(rec);
  }
  return out;
}

TEST(ExpiryTest, AnExpiredExemptionStopsApplyingWithinAMinuteOfMidnightAudited) {
  ASSERT_EQ(access(kLibFaketime, R_OK), 0) << kLibFaketime << " is missing: scripts/setup-deps installs faketime";
  Stack s;
  s.Write("exempt.yaml", std::string(kPolicy1) +
                             "exemptions:\n"
                             "  - {prefix: 100.64.12.34/32, owner: ticket-9, reason: relay, expires: " +
                             kLastDay + "}\n"
                             "  - {prefix: 100.64.12.35/32, owner: ticket-10, reason: relay, expires: 2099-01-01}\n");
  s.WriteConfig("exempt.yaml");
  // The monotonic clock stays real: controld's timed waits (the stats
  // sampler's once a second) would otherwise wait for a faked deadline.
  // Under ASan (scripts/test --sanitize) libfaketime's LD_PRELOAD comes before
  // the ASan runtime, which ASan refuses unless told the order is fine.
  const char* asan = getenv("ASAN_OPTIONS");
  const std::string asan_options =
      std::string("ASAN_OPTIONS=") + (asan ? std::string(asan) + ":" : "") + "verify_asan_link_order=0";
  s.SetControldPrefix({"/usr/bin/env", std::string("LD_PRELOAD=") + kLibFaketime,
                       std::string("FAKETIME=@") + kLastDay + " 23:59:45", "FAKETIME_DONT_FAKE_MONOTONIC=1",
                       asan_options});
  ASSERT_TRUE(s.Start()) << s.Logs();

  // Before midnight (controld's clock): both exemptions apply.
  json show;
  for (int i = 0; i < 100; i++) {
    show = s.CtlJson({"policy", "show"});
    if (show["dataplane"].is_object() && show["current"].is_object() &&
        show["dataplane"]["generation"] == show["current"]["generation"])
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const uint64_t before = show["current"]["generation"].get<uint64_t>();
  ASSERT_EQ(show["dataplane"]["summary"]["exemptions_active"], 2) << show.dump(2) << s.Logs();
  json list = s.CtlJson({"exempt", "list"});
  ASSERT_EQ(list["today"], kLastDay) << list.dump(2);
  EXPECT_EQ(list["entries"][0]["state"], "expiring") << list.dump(2);
  EXPECT_EQ(list["entries"][0]["days_left"], 1) << list.dump(2);

  // Midnight comes 15 s later; the new generation must be live within a minute of it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(75);
  while (std::chrono::steady_clock::now() < deadline) {
    show = s.CtlJson({"policy", "show"});
    if (show["dataplane"].is_object() && show["dataplane"]["generation"].get<uint64_t>() > before) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_GT(show["dataplane"]["generation"].get<uint64_t>(), before) << show.dump(2) << s.Logs();
  EXPECT_EQ(show["dataplane"]["generation"], show["current"]["generation"]);
  EXPECT_EQ(show["dataplane"]["summary"]["exemptions_active"], 1) << show.dump(2);
  EXPECT_EQ(show["dataplane"]["summary"]["exemptions_expired"], 1) << show.dump(2);
  EXPECT_EQ(show["current"]["compiled_on"], "2031-03-15");

  list = s.CtlJson({"exempt", "list"});
  EXPECT_EQ(list["today"], "2031-03-15");
  EXPECT_EQ(list["entries"][0]["state"], "expired") << list.dump(2);
  EXPECT_EQ(list["entries"][1]["state"], "active") << list.dump(2);

  // Audited as controld's own change, naming what expired; exactly once.
  int expiries = 0;
  for (const json& rec : AuditOutcomes(s.audit())) {
    if (rec["cmd"] != "policy.expire") continue;
    expiries++;
    EXPECT_EQ(rec["result"], "ok") << rec.dump();
    EXPECT_EQ(rec["user"], "spamwall-controld") << rec.dump();
    EXPECT_EQ(rec["generation"], show["current"]["generation"]) << rec.dump();
    EXPECT_EQ(rec["args"]["day"], "2031-03-15") << rec.dump();
    EXPECT_EQ(rec["args"]["expired"], json::parse(R"([{"prefix": "100.64.12.34/32", "owner": "ticket-9",
                                                       "expires": "2031-03-14"}])")) << rec.dump();
  }
  EXPECT_EQ(expiries, 1) << s.Logs();
  // No second push for the same expiry.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(s.CtlJson({"policy", "show"})["current"]["generation"], show["current"]["generation"]);
}

}  // namespace
}  // namespace spamwall::e2e
