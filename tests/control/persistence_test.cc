// Running and startup configuration kept apart, on disk: every accepted
// generation persisted before it is pushed, the dataplane booting from it,
// controld restarting from it, and the failures an inline box meets (both
// processes killed mid-push, a broken file and no image, a stalled
// dataplane, a full state file system) never losing, duplicating or
// lowering a generation.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <fstream>
#include <thread>

#include "dataplane/core/policy_image.h"
#include "ipc/client.h"
#include "tests/control/processes.h"

namespace spamwall::e2e {
namespace {

using nlohmann::json;

// The dataplane's own answer to `cmd` on its control socket.
json Dataplane(Stack& s, const std::string& cmd) {
  proto::Client c;
  std::string error;
  json reply;
  if (!c.Connect(s.dp(), 5, &error) || !c.Call(cmd, json::object(), &reply, &error)) {
    ADD_FAILURE() << cmd << ": " << error;
    return json::object();
  }
  return reply.value("result", json::object());
}

// SIGKILL, and the socket file it leaves removed so that the next start is
// waited for.
void Kill(Process& p, const std::string& socket) {
  kill(p.pid(), SIGKILL);
  p.Stop();
  unlink(socket.c_str());
}

// A policy with `n` consumer /32s besides kPolicy1's lists: big enough that a
// push takes long enough to be interrupted.
void WriteBigPolicy(Stack& s, const std::string& name, int n) {
  std::string pool;
  for (int i = 0; i < n; i++)
    pool += "100." + std::to_string(64 + (i >> 16) % 64) + "." + std::to_string((i >> 8) & 255) + "." +
            std::to_string(i & 255) + "/32\n";
  s.Write(name + ".pool", pool);
  s.Write(name, std::string(kPolicy1).replace(std::string(kPolicy1).find("consumer: [100.64.0.0/10]"),
                                              25, "consumer: {file: " + s.path(name + ".pool") + "}"));
}

template <typename F>
bool WaitFor(F f, double seconds) {
  for (int i = 0; i < seconds * 20; i++) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return f();
}

// Generations as the dataplane lists them: in the order they went live.
std::vector<uint64_t> DataplaneGenerations(Stack& s) {
  std::vector<uint64_t> out;
  for (const auto& g : Dataplane(s, "stats").value("generations", json::array()))
    out.push_back(g.value("generation", uint64_t{0}));
  return out;
}

void ExpectStrictlyGrowing(const std::vector<uint64_t>& gens) {
  for (size_t i = 1; i < gens.size(); i++)
    EXPECT_LT(gens[i - 1], gens[i]) << "generation list " << testing::PrintToString(gens);
}

TEST(PersistenceTest, BothKilledMidPushBootTheLastAcceptedGenerationWithItsOverlay) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  ASSERT_EQ(s.Ctl({"quarantine", "add", "100.64.5.5"}).code, 0) << s.Logs();
  WriteBigPolicy(s, "big.yaml", 200000);
  // A push in flight, then both processes killed without warning.
  Process push({BuildDir() + "/spamwallctl", "--socket", s.ctl(), "policy", "push", s.path("big.yaml")},
               s.path("push.log"));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  Kill(s.controld(), s.ctl());
  Kill(s.dataplane(), s.dp());
  push.Stop();

  char target[256] = {};
  ASSERT_GT(readlink(s.path("state/live").c_str(), target, sizeof target - 1), 0) << "no live pointer";
  std::string error;
  auto live = LoadPolicyImageFile(s.path("state/live"), &error);
  ASSERT_TRUE(live) << error;
  const uint64_t accepted = live->meta.generation;
  ASSERT_GE(accepted, 2u) << target;

  // The inline box comes back from the image alone: no controld.
  s.SetDataplaneBoot({"--policy-image", s.path("state/live"), "--policy", s.path("p2.yaml")});
  ASSERT_TRUE(s.StartDataplane()) << s.Logs();
  json hello = Dataplane(s, "hello");
  EXPECT_EQ(hello["generation"], accepted) << s.Logs();
  EXPECT_EQ(hello["digest"], live->digest);
  json shown = Dataplane(s, "policy.show");
  EXPECT_EQ(shown["safe_state"], false);
  // The overlay's quarantine entry is in what forwards: kPolicy1 has one of
  // its own, the big policy has it too (same lists, a bigger consumer pool).
  EXPECT_EQ(shown["summary"]["quarantine"], 2) << shown.dump(2);

  // controld comes back from disk and adopts it: nothing pushed.
  ASSERT_TRUE(s.StartControld()) << s.Logs();
  json show = s.CtlJson({"policy", "show"});
  EXPECT_EQ(show["current"]["generation"], accepted) << show.dump(2) << s.Logs();
  EXPECT_TRUE(Contains(json(show["overlay"]).dump(), "100.64.5.5/32")) << show.dump(2);
  EXPECT_EQ(Dataplane(s, "hello")["generation"], accepted);
  EXPECT_EQ(DataplaneGenerations(s), std::vector<uint64_t>{accepted});
}

TEST(PersistenceTest, BrokenPolicyAndNoImageComeUpInTheSafeStateAndSayWhy) {
  Stack s;
  s.Write("broken.yaml", "version: 1\nsubscribers: {consumer: [100.64.0.0/33]}\n");
  s.SetDataplaneBoot({"--policy-image", s.path("state/live"), "--policy", s.path("broken.yaml")});
  ASSERT_TRUE(s.StartDataplane()) << s.Logs();
  ASSERT_TRUE(WaitFor([&] { return Dataplane(s, "stats").value("packets", uint64_t{0}) > 1000; }, 10))
      << s.Logs();
  json stats = Dataplane(s, "stats");
  EXPECT_EQ(stats["safe_state"], true) << stats.dump(2);
  EXPECT_TRUE(Contains(stats.value("safe_state_reason", ""), "broken.yaml:2")) << stats.dump(2);
  // Nothing dropped (a snapshot taken mid-burst may count a burst's packets
  // before its passes: compare the drops, not passed with packets).
  uint64_t dropped = 0;
  for (const auto& [reason, n] : stats["dropped"].items()) dropped += n.get<uint64_t>();
  EXPECT_EQ(dropped, 0u) << "the safe state forwards everything: " << stats.dump(2);
  EXPECT_GT(stats["passed"].get<uint64_t>(), 0u);
  EXPECT_TRUE(Contains(s.dataplane().Log(), "SAFE STATE")) << s.Logs();

  // controld with the same broken boot file: a warning, not a dead control plane.
  s.WriteConfig("broken.yaml");
  ASSERT_TRUE(s.StartControld()) << s.Logs();
  json show = s.CtlJson({"policy", "show"});
  EXPECT_TRUE(show["current"].is_null());
  EXPECT_TRUE(Contains(show["start_warnings"].dump(), "broken.yaml")) << show.dump(2);
  EXPECT_EQ(show["dataplane"]["safe_state"], true);
  // The safe state ends with the first push.
  ASSERT_EQ(s.Ctl({"policy", "push", s.path("p1.yaml")}).code, 0) << s.Logs();
  EXPECT_EQ(Dataplane(s, "stats")["safe_state"], false);
}

TEST(PersistenceTest, PushedPolicySurvivesAControldRestartAndRollbackStillWorks) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  const uint64_t g1 = s.CtlJson({"policy", "show"})["current"]["generation"];
  const uint64_t g2 = s.CtlJson({"policy", "push", s.path("p2.yaml")})["generation"];
  ASSERT_GT(g2, g1);
  ASSERT_EQ(s.controld().Stop(), 0) << s.Logs();
  ASSERT_TRUE(s.StartControld()) << s.Logs();
  json show = s.CtlJson({"policy", "show"});
  EXPECT_EQ(show["current"]["generation"], g2) << show.dump(2) << s.Logs();
  EXPECT_EQ(show["current"]["source"], s.path("p2.yaml"));
  EXPECT_EQ(show["previous"]["generation"], g1);
  EXPECT_EQ(Dataplane(s, "hello")["generation"], g2) << "the boot file must not come back";

  json back = s.CtlJson({"policy", "rollback"});
  const uint64_t g3 = back["generation"];
  EXPECT_GT(g3, g2);
  EXPECT_EQ(back["restored_generation"], g1);
  // And the rolled-back state is what a further restart keeps.
  ASSERT_EQ(s.controld().Stop(), 0) << s.Logs();
  ASSERT_TRUE(s.StartControld()) << s.Logs();
  show = s.CtlJson({"policy", "show"});
  EXPECT_EQ(show["current"]["generation"], g3);
  EXPECT_EQ(show["current"]["source"], s.path("p1.yaml"));
  EXPECT_EQ(Dataplane(s, "hello")["generation"], g3);
  ExpectStrictlyGrowing(DataplaneGenerations(s));
}

TEST(PersistenceTest, StalledDataplaneGetsNoDuplicateOrLowerGenerationAndATruthfulAnswer) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  const uint64_t g1 = s.CtlJson({"policy", "show"})["current"]["generation"];
  kill(s.dataplane().pid(), SIGSTOP);
  std::thread resume([&] {
    std::this_thread::sleep_for(std::chrono::seconds(25));
    kill(s.dataplane().pid(), SIGCONT);
  });
  const auto t0 = std::chrono::steady_clock::now();
  CtlResult r = s.Ctl({"--timeout", "120", "policy", "push", s.path("p2.yaml")});
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  resume.join();
  // Either the dataplane answered in the end (the push is live) or the
  // operator was told it did not answer, and whether it may still go live.
  if (r.code != 0) {
    EXPECT_TRUE(Contains(r.err, "did not answer") || Contains(r.err, "not reachable")) << r.err;
    EXPECT_LT(waited, 60) << r.err;
  }
  // Once the dataplane runs again, controld and the dataplane agree.
  json show;
  ASSERT_TRUE(WaitFor(
      [&] {
        show = s.CtlJson({"policy", "show"});
        return show["in_doubt"].is_null() && show.contains("dataplane") &&
               show["dataplane"]["generation"] == show["current"]["generation"];
      },
      20))
      << show.dump(2) << s.Logs();
  const uint64_t live = show["current"]["generation"];
  EXPECT_TRUE(live == g1 || live == g1 + 1) << live;
  EXPECT_EQ(r.code == 0, live == g1 + 1) << r.err << s.Logs();
  std::vector<uint64_t> gens = DataplaneGenerations(s);
  ExpectStrictlyGrowing(gens);
  // The next change counts on from there.
  json push = s.CtlJson({"policy", "push", s.path("p1.yaml")});
  EXPECT_GT(push["generation"].get<uint64_t>(), live);
  ExpectStrictlyGrowing(DataplaneGenerations(s));
}

TEST(PersistenceTest, FullStateFileSystemRefusesTheChangeWholly) {
  Stack s;
  const std::string state = s.path("small-state");
  ScopedTmpfs tmpfs(state, "8m");
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a small tmpfs here (needs root)";
  s.WriteConfig("p1.yaml", state);
  ASSERT_TRUE(s.Start()) << s.Logs();
  const uint64_t g1 = s.CtlJson({"policy", "show"})["current"]["generation"];
  // Fill it.
  {
    std::ofstream fill(state + "/filler", std::ios::binary);
    std::string mb(1 << 20, 'x');
    for (int i = 0; i < 16 && fill; i++) fill.write(mb.data(), static_cast<std::streamsize>(mb.size()));
  }
  CtlResult r = s.Ctl({"quarantine", "add", "100.64.9.9"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "cannot save generation")) << r.err;
  EXPECT_TRUE(Contains(r.err, "No space left on device")) << r.err;
  EXPECT_FALSE(Contains(s.CtlJson({"quarantine", "list"}).dump(), "100.64.9.9"));
  EXPECT_EQ(Dataplane(s, "hello")["generation"], g1) << "nothing may have gone live";
  EXPECT_EQ(s.CtlJson({"policy", "show"})["current"]["generation"], g1);
  // Room again: the same change goes through, under a higher number.
  unlink((state + "/filler").c_str());
  json ok = s.CtlJson({"quarantine", "add", "100.64.9.9"});
  EXPECT_GT(ok["generation"].get<uint64_t>(), g1);
  // And a restart keeps it.
  ASSERT_EQ(s.controld().Stop(), 0);
  ASSERT_TRUE(s.StartControld()) << s.Logs();
  EXPECT_TRUE(Contains(s.CtlJson({"quarantine", "list"}).dump(), "100.64.9.9/32"));
}

}  // namespace
}  // namespace spamwall::e2e
