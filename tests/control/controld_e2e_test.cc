// spamwall-controld + spamwallctl end to end, against the real dataplane
// (live mode on net_null ports, which forward by themselves): every command,
// the audit log, /metrics, and bad input refused while the dataplane forwards.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "ipc/client.h"
#include "ipc/unix_socket.h"
#include "ipc/wire.h"
#include "tests/control/processes.h"
#include "tests/golden/run_dataplane.h"

namespace spamwall::e2e {
namespace {

using nlohmann::json;

uint64_t Packets(Stack& s) { return s.CtlJson({"stats"}).value("packets", uint64_t{0}); }

TEST(ControldE2eTest, PushShowRollbackOverlayStatsAuditMetrics) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  json show = s.CtlJson({"policy", "show"});
  const uint64_t g1 = show["current"]["generation"];
  ASSERT_GT(g1, 0u) << show.dump(2);
  EXPECT_EQ(show["dataplane"]["generation"], g1) << show.dump(2);

  CtlResult check = s.Ctl({"policy", "check", s.path("p2.yaml")});
  EXPECT_EQ(check.code, 0) << check.err;
  EXPECT_TRUE(Contains(check.out, "what a push would change")) << check.out;
  json cj = s.CtlJson({"policy", "check", s.path("p2.yaml")});
  EXPECT_EQ(cj["diff"]["business"], (json{{"current", 0}, {"new", 2}, {"added", 2}, {"removed", 0}}));
  EXPECT_EQ(cj["diff"]["quarantine"]["removed"], 1);

  json push = s.CtlJson({"policy", "push", s.path("p2.yaml")});
  const uint64_t g2 = push["generation"];
  EXPECT_EQ(g2, g1 + 1);
  for (const char* k : {"load_ms", "compile_ms", "image_ms", "total_ms"}) EXPECT_TRUE(push.contains(k)) << k;
  for (const char* k : {"load_ms", "publish_us", "grace_us"}) EXPECT_TRUE(push["dataplane"].contains(k)) << k;
  show = s.CtlJson({"policy", "show"});
  EXPECT_EQ(show["dataplane"]["generation"], g2);
  EXPECT_EQ(show["current"]["source"], s.path("p2.yaml"));
  EXPECT_EQ(show["previous"]["generation"], g1);

  CtlResult human = s.Ctl({"policy", "rollback"});
  EXPECT_EQ(human.code, 0) << human.err;
  EXPECT_TRUE(Contains(human.out, "rolled back: generation " + std::to_string(g2 + 1))) << human.out;
  show = s.CtlJson({"policy", "show"});
  EXPECT_EQ(show["current"]["source"], s.path("p1.yaml"));
  EXPECT_EQ(show["dataplane"]["generation"], g2 + 1);

  // Runtime quarantine: pushed, listed, persisted, refused twice, removed.
  EXPECT_EQ(s.Ctl({"quarantine", "add", "100.64.5.5"}).code, 0);
  json ql = s.CtlJson({"quarantine", "list"});
  EXPECT_TRUE(Contains(ql.dump(), R"({"addr":"100.64.5.5/32","origin":"overlay"})")) << ql.dump();
  std::ifstream overlay(s.path("state/overlay.json"));
  EXPECT_TRUE(Contains(std::string(std::istreambuf_iterator<char>(overlay), {}), "100.64.5.5/32"));
  CtlResult again = s.Ctl({"quarantine", "add", "100.64.5.5/32"});
  EXPECT_EQ(again.code, 1);
  EXPECT_TRUE(Contains(again.err, "already in the runtime quarantine")) << again.err;
  EXPECT_EQ(s.Ctl({"quarantine", "del", "100.64.5.5"}).code, 0);

  // Exemptions: all fields, a future date.
  CtlResult ex = s.Ctl({"exempt", "add", "100.64.7.0/24", "--owner", "ticket-1", "--reason", "test",
                        "--expires", "2099-01-01"});
  EXPECT_EQ(ex.code, 0) << ex.err;
  CtlResult past = s.Ctl({"exempt", "add", "100.64.8.0/24", "--owner", "o", "--reason", "r", "--expires", "2001-01-01"});
  EXPECT_EQ(past.code, 1);
  EXPECT_TRUE(Contains(past.err, "spamwallctl: exemption 100.64.8.0/24: expires 2001-01-01 is in the past")) << past.err;
  EXPECT_EQ(s.Ctl({"exempt", "add", "100.64.8.0/24", "--reason", "r", "--expires", "2099-01-01"}).code, 2);
  EXPECT_TRUE(Contains(s.CtlJson({"exempt", "list"}).dump(), "ticket-1"));
  EXPECT_EQ(s.Ctl({"exempt", "del", "100.64.7.0/24"}).code, 0);

  EXPECT_EQ(s.Ctl({"mode", "monitor"}).code, 0);
  EXPECT_EQ(s.CtlJson({"policy", "show"})["dataplane"]["mode"], "monitor");
  EXPECT_EQ(s.Ctl({"mode", "enforce"}).code, 0);

  // Stats: tables, and packets/s from the sampler's two samples.
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  CtlResult st = s.Ctl({"stats"});
  EXPECT_EQ(st.code, 0) << st.err;
  for (const char* part : {"per reason:", "per port:", "per worker:", "per policy generation:", "packets/s"})
    EXPECT_TRUE(Contains(st.out, part)) << part << "\n" << st.out;
  json sj = s.CtlJson({"stats"});
  EXPECT_GT(sj["packets"].get<uint64_t>(), 0u);
  EXPECT_GT(sj["packets_per_s"].get<double>(), 0.0) << sj.dump(2);

  // Audit: every mutating request, refused ones too.
  json audit = s.CtlJson({"audit", "50"});
  const json& recs = audit["records"];
  ASSERT_GE(recs.size(), 9u) << audit.dump(2);
  bool saw_push = false, saw_refused = false;
  for (const auto& r : recs) {
    EXPECT_EQ(r["uid"], getuid());
    EXPECT_TRUE(r["time"].get<std::string>().ends_with("Z"));
    if (r["cmd"] == "policy.push" && r["result"] == "ok") {
      saw_push = true;
      EXPECT_EQ(r["generation"], g2);
      EXPECT_EQ(r["changes"]["business"]["added"], 2);
      EXPECT_GT(r["pid"].get<int>(), 0);
    }
    if (r["cmd"] == "exempt.add" && Contains(r["result"].get<std::string>(), "refused: ")) saw_refused = true;
  }
  EXPECT_TRUE(saw_push && saw_refused) << audit.dump(2);
  // On disk each request is an intent, then its outcome with the same id.
  std::ifstream log(s.audit());
  std::string line;
  int lines = 0;
  std::string open_id;
  while (std::getline(log, line)) {
    json j = json::parse(line);
    for (const char* k : {"time", "phase", "id", "user", "uid", "pid", "cmd", "args", "generation"})
      EXPECT_TRUE(j.contains(k)) << k << " in " << line;
    if (j["phase"] == "intent") {
      EXPECT_EQ(open_id, "") << line;
      open_id = j["id"];
    } else {
      EXPECT_EQ(j["phase"], "outcome") << line;
      EXPECT_EQ(j["id"], open_id) << line;
      EXPECT_TRUE(j.contains("result") && j.contains("changes")) << line;
      open_id.clear();
    }
    lines++;
  }
  EXPECT_EQ(open_id, "");
  EXPECT_EQ(lines, 2 * static_cast<int>(recs.size()));

  // Prometheus.
  httplib::Client http("127.0.0.1", s.metrics_port());
  auto res = http.Get("/metrics");
  ASSERT_TRUE(res) << s.Logs();
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(Contains(res->body, "\nspamwall_up 1\n")) << res->body;
  EXPECT_TRUE(Contains(res->body, "spamwall_policy_generation " + std::to_string(g2 + 7))) << res->body;
  EXPECT_TRUE(Contains(res->body, "spamwall_port_rx_total{port=\"0\"")) << res->body;
  EXPECT_TRUE(Contains(res->body, "spamwall_policy_pushes_total{result=\"ok\"}")) << res->body;
  auto other = http.Get("/");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);

  EXPECT_EQ(s.controld().Stop(), 0) << s.Logs();
  EXPECT_NE(access(s.ctl().c_str(), F_OK), 0) << "socket file left behind";
}

// Header of a request whose body is `length` bytes.
std::string Header(uint32_t length) {
  std::string h("SWCP", 4);
  uint16_t version = proto::kProtocolVersion, flags = 0;
  uint32_t reserved = 0;
  h.append(reinterpret_cast<const char*>(&version), 2);
  h.append(reinterpret_cast<const char*>(&flags), 2);
  h.append(reinterpret_cast<const char*>(&length), 4);
  h.append(reinterpret_cast<const char*>(&reserved), 4);
  return h;
}

TEST(ControldE2eTest, BadInputIsRefusedWhileTheDataplaneForwards) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  const uint64_t gen = s.CtlJson({"policy", "show"})["current"]["generation"];
  const uint64_t before = Packets(s);

  s.Write("garbage.yaml", "version: 1\nsubscribers: {consumer: [100.64.0.0/10\n\x01\x02 :::\n");
  for (const char* verb : {"check", "push"}) {
    CtlResult r = s.Ctl({"policy", verb, s.path("garbage.yaml")});
    EXPECT_EQ(r.code, 1) << verb;
    EXPECT_TRUE(Contains(r.err, "spamwallctl: policy refused:\n" + s.path("garbage.yaml") + ":")) << r.err;
  }
  s.Write("p587.yaml", "version: 1\nsubscribers: {consumer: [100.64.0.0/10]}\nmail:\n  smtp_ports: [25, 587]\n");
  CtlResult r587 = s.Ctl({"policy", "push", s.path("p587.yaml")});
  EXPECT_EQ(r587.code, 1);
  EXPECT_TRUE(Contains(r587.err, s.path("p587.yaml") + ":4:")) << r587.err;
  EXPECT_TRUE(Contains(r587.err, "587")) << r587.err;
  CtlResult missing = s.Ctl({"policy", "push", s.path("nope.yaml")});
  EXPECT_EQ(missing.code, 1);
  EXPECT_TRUE(Contains(missing.err, "nope.yaml")) << missing.err;
  EXPECT_EQ(s.Ctl({"quarantine", "add", "100.64.1.300"}).code, 1);
  EXPECT_EQ(s.Ctl({"mode", "sideways"}).code, 2);
  EXPECT_EQ(s.Ctl({"policy", "frobnicate"}).code, 2);
  EXPECT_EQ(RunCtl(s.path("absent.sock"), {"stats"}).code, 3);

  // A truncated request: the server answers or hangs up, and goes on serving.
  {
    std::string error;
    UniqueFd fd = proto::ConnectUnix(s.ctl(), 5, &error);
    ASSERT_TRUE(fd.valid()) << error;
    std::string msg = Header(100) + R"({"id":1,"cmd":"st)";
    ASSERT_EQ(send(fd.get(), msg.data(), msg.size(), MSG_NOSIGNAL), static_cast<ssize_t>(msg.size()));
    shutdown(fd.get(), SHUT_WR);
    proto::Message reply;
    proto::ReadResult rr = proto::ReadMessage(fd.get(), &reply, &error, 1 << 20);
    if (rr == proto::ReadResult::kOk) {
      EXPECT_EQ(reply.body["error"]["code"], "bad_request") << reply.body.dump();
    }
  }
  // 100 MB: refused from the header, never read.
  {
    std::string error;
    UniqueFd fd = proto::ConnectUnix(s.ctl(), 5, &error);
    ASSERT_TRUE(fd.valid()) << error;
    const uint32_t big = 100u << 20;
    std::string hdr = Header(big);
    ASSERT_EQ(send(fd.get(), hdr.data(), hdr.size(), MSG_NOSIGNAL), 16);
    std::string chunk(1 << 20, '{');
    for (uint32_t sent = 0; sent < big; sent += chunk.size())
      if (send(fd.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL) <= 0) break;
    proto::Message reply;
    ASSERT_EQ(proto::ReadMessage(fd.get(), &reply, &error, 1 << 20), proto::ReadResult::kOk) << error;
    EXPECT_EQ(reply.body["error"]["code"], "bad_request") << reply.body.dump();
  }
  // A peer that is neither root, controld's user nor in its group.
  if (geteuid() == 0) {
    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    pid_t pid = fork();
    if (pid == 0) {
      close(pipefd[0]);
      std::string out = "setuid failed";
      if (setgid(65534) == 0 && setuid(65534) == 0) {
        proto::Client c;
        json reply;
        std::string error;
        out = c.Connect(s.ctl(), 5, &error) && c.Call("policy.show", json::object(), &reply, &error)
                  ? reply.dump() : "no reply: " + error;
      }
      (void)!write(pipefd[1], out.data(), out.size());
      _exit(0);
    }
    close(pipefd[1]);
    std::string got;
    char buf[4096];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
    close(pipefd[0]);
    waitpid(pid, nullptr, 0);
    json reply = json::parse(got, nullptr, false);
    ASSERT_FALSE(reply.is_discarded()) << got;
    EXPECT_EQ(reply["error"]["code"], "forbidden") << got;
    EXPECT_TRUE(Contains(reply["error"]["message"].get<std::string>(), "uid 65534")) << got;
  } else {
    GTEST_LOG_(INFO) << "not root: the forbidden-peer check is skipped";
  }

  // Nothing changed, controld still answers, the dataplane kept forwarding.
  EXPECT_EQ(s.CtlJson({"policy", "show"})["current"]["generation"], gen);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_GT(Packets(s), before);
  EXPECT_TRUE(s.dataplane().Running()) << s.Logs();
  json audit = s.CtlJson({"audit", "20"});
  int refused = 0;
  for (const auto& r : audit["records"])
    if (Contains(r["result"].get<std::string>(), "refused")) refused++;
  EXPECT_GE(refused, 3) << audit.dump(2);
}

TEST(ControldE2eTest, DataplaneAbsentThenRestartedGetsTheLivePolicyBack) {
  Stack s;
  ASSERT_TRUE(s.Start()) << s.Logs();
  EXPECT_EQ(s.Ctl({"quarantine", "add", "100.64.5.5"}).code, 0);
  const uint64_t gen = s.CtlJson({"policy", "show"})["current"]["generation"];
  s.dataplane().Stop();
  CtlResult r = s.Ctl({"quarantine", "add", "100.64.6.6"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "not reachable at " + s.dp())) << r.err;
  EXPECT_EQ(s.Ctl({"stats"}).code, 1);

  ASSERT_TRUE(s.StartDataplane()) << s.Logs();
  json show;
  for (int i = 0; i < 50; i++) {
    show = s.CtlJson({"policy", "show"});
    if (show.contains("dataplane") && show["dataplane"]["generation"] == gen) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(show["dataplane"]["generation"], gen) << show.dump(2) << s.Logs();
  EXPECT_EQ(show["current"]["generation"], gen);
}

TEST(ControldE2eTest, BadConfigurationIsRefusedWithFileAndLine) {
  Stack s;
  s.Write("bad.yaml", "socket: /tmp/x.sock\nsocket_moed: '0660'\n");
  Process p({BuildDir() + "/spamwall-controld", "--config", s.path("bad.yaml")}, s.path("bad.log"));
  for (int i = 0; i < 500 && p.Running(); i++) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(p.Stop(), 2);
  std::string log = p.Log();
  EXPECT_TRUE(Contains(log, s.path("bad.yaml") + ":2:1: unknown key 'socket_moed'")) << log;
}

}  // namespace
}  // namespace spamwall::e2e
