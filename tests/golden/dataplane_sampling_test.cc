// The SMTP sampler end to end, offline: a capture of SMTP conversations
// through the real spamwall-dataplane over net_pcap, `--events` written by
// the same sampler code the live mode runs on its own lcore. Every message
// event field, and the size and SHA-256 of every message, is checked
// against what the client sent; what the policy drops is never sampled.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "dataplane/smtp/sha256.h"
#include "tests/fixtures/fixture.h"
#include "tests/fixtures/tcp_conversation.h"
#include "tests/golden/run_dataplane.h"
#include "ipc/client.h"
#include "tests/traffic/pcap_file.h"

namespace spamwall::golden {
namespace {

using fixtures::L3Kind;
using fixtures::TcpConversation;
using fixtures::TcpEnd;
using Frames = std::vector<std::vector<uint8_t>>;

std::string Sha256Hex(const std::string& s) {
  return smtp::Sha256::Hex(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TcpEnd V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  TcpEnd e;
  e.addr = {a, b, c, d};
  e.port = port;
  return e;
}

std::string Message(int n) {
  std::string m = "Message-ID: <golden." + std::to_string(n) + "@pc.example.org>\r\n"
                  "From: Subscriber <s" + std::to_string(n) + "@example.org>\r\n"
                  "Subject: message " + std::to_string(n) + "\r\n"
                  "X-Mailer: golden-test\r\n\r\n";
  for (int i = 0; i < 40 * n; i++) m += (i % 7 == 0 ? ".dot " : "line ") + std::to_string(i) + "\r\n";
  return m;
}

// One session of `messages` messages from `client` to `server`.
void Session(Frames* out, const TcpEnd& client, const TcpEnd& server, const std::vector<std::string>& messages) {
  TcpConversation c(client, server);
  c.Handshake();
  c.Send(false, "220 relay.example.net ESMTP\r\n");
  c.Send(true, "EHLO pc.example.org\r\n");
  c.Send(false, "250-relay.example.net\r\n250 PIPELINING\r\n");
  for (const std::string& m : messages) {
    c.Send(true, "MAIL FROM:<s@example.org>\r\nRCPT TO:<rcpt@example.net>\r\nDATA\r\n");
    c.Send(false, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n");
    c.Send(true, fixtures::DotStuff(m), 700);
    c.Send(false, "250 2.0.0 Ok: queued\r\n");
  }
  c.Send(true, "QUIT\r\n");
  c.Send(false, "221 Bye\r\n");
  c.Fin();
  out->insert(out->end(), c.frames().begin(), c.frames().end());
}

std::vector<nlohmann::json> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(DataplaneSamplingTest, EveryMessageThePolicyLetsThroughBecomesAnEvent) {
  TempDir dir;
  std::string policy_text;
  {
    std::ifstream in(fixtures::FixturesDir() + "/policy.yaml");
    std::stringstream s;
    s << in.rdbuf();
    policy_text = std::regex_replace(s.str(), std::regex("smtp_flow_rate: 64"), "smtp_flow_rate: 1");
    policy_text = std::regex_replace(policy_text, std::regex("file: pools/"),
                                     "file: " + fixtures::FixturesDir() + "/pools/");
  }
  std::ofstream(dir / "policy.yaml") << policy_text;

  // A consumer through the ISP's relay on 587 (passes: sampled), a business
  // mail server to the world on 25 (passes), a consumer straight to port 25
  // outside (dropped: never sampled).
  const std::vector<std::string> relayed = {Message(1), Message(2)}, business = {Message(3)};
  Frames frames;
  Session(&frames, V4(100, 64, 0, 7, 40001), V4(198, 51, 100, 10, 587), relayed);
  Session(&frames, V4(203, 0, 113, 5, 40002), V4(192, 0, 2, 25, 25), business);
  Session(&frames, V4(100, 64, 0, 8, 40003), V4(192, 0, 2, 26, 25), {Message(4)});
  traffic::WritePcap(dir / "smtp.pcap", frames);

  RunResult r = RunDataplane({"--policy", dir / "policy.yaml", "--pcap-in", dir / "smtp.pcap",
                              "--pcap-out", dir / "pass.pcap", "--events", dir / "events.jsonl",
                              "--stats-json", dir / "stats.json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<nlohmann::json> messages, sessions;
  for (const auto& e : ReadLines(dir / "events.jsonl"))
    (e["type"] == "smtp_message" ? messages : sessions).push_back(e);
  ASSERT_EQ(messages.size(), 3u) << r.output;
  ASSERT_EQ(sessions.size(), 2u);
  const std::vector<std::string> sent = {relayed[0], relayed[1], business[0]};
  for (size_t i = 0; i < 3; i++) {
    const nlohmann::json& m = messages[i];
    EXPECT_EQ(m["message_id"], "<golden." + std::to_string(i + 1) + "@pc.example.org>") << m;
    EXPECT_EQ(m["subject"], "message " + std::to_string(i + 1));
    EXPECT_EQ(m["x_mailer"], "golden-test");
    EXPECT_EQ(m["mail_from"], "s@example.org");
    EXPECT_EQ(m["rcpt_to"], nlohmann::json::array({"rcpt@example.net"}));
    EXPECT_EQ(m["final_reply"], 250);
    EXPECT_EQ(m["data_mode"], "DATA");
    EXPECT_EQ(m["complete"], true);
    EXPECT_EQ(m["size"], sent[i].size());
    EXPECT_EQ(m["sha256"], Sha256Hex(sent[i]));
  }
  // The subscriber is the client where it is in the ISP's internal space.
  EXPECT_EQ(messages[0]["subscriber"], "100.64.0.7");
  EXPECT_EQ(messages[0]["client"]["ip"], "100.64.0.7");
  EXPECT_EQ(messages[0]["server"]["port"], 587);
  EXPECT_EQ(messages[2]["subscriber"], "203.0.113.5");
  EXPECT_EQ(sessions[0]["messages"], 2);
  EXPECT_EQ(sessions[0]["ehlo_name"], "pc.example.org");
  EXPECT_EQ(sessions[0]["pipelined"], true);

  std::ifstream stats_in(dir / "stats.json");
  nlohmann::json stats = nlohmann::json::parse(stats_in);
  EXPECT_GT(stats["dropped"]["consumer_smtp"].get<uint64_t>(), 0u) << "the consumer's own port 25";
  EXPECT_EQ(stats["sampling"]["events"]["written"], 5);
  EXPECT_EQ(stats["sampling"]["events"]["lost"], 0);
  EXPECT_EQ(stats["sampling"]["ring_full"], 0);
  const nlohmann::json& flows = stats["sampling"]["samplers"][0]["flows"];
  EXPECT_EQ(flows["flows_created"], 2) << stats["sampling"];
  EXPECT_EQ(flows["smtp"]["messages"], 3);
}

// With sampling off nothing is copied and no event written; a watched
// subscriber is sampled all the same.
TEST(DataplaneSamplingTest, RateZeroSamplesOnlyTheWatchedSubscribers) {
  TempDir dir;
  std::ifstream in(fixtures::FixturesDir() + "/policy.yaml");
  std::stringstream s;
  s << in.rdbuf();
  std::string text = std::regex_replace(s.str(), std::regex("smtp_flow_rate: 64"),
                                        "smtp_flow_rate: 0\n  watch: [100.64.0.9/32]");
  text = std::regex_replace(text, std::regex("file: pools/"), "file: " + fixtures::FixturesDir() + "/pools/");
  std::ofstream(dir / "policy.yaml") << text;
  Frames frames;
  Session(&frames, V4(100, 64, 0, 7, 40001), V4(198, 51, 100, 10, 587), {Message(1)});
  Session(&frames, V4(100, 64, 0, 9, 40002), V4(198, 51, 100, 10, 587), {Message(2)});
  traffic::WritePcap(dir / "smtp.pcap", frames);
  RunResult r = RunDataplane({"--policy", dir / "policy.yaml", "--pcap-in", dir / "smtp.pcap",
                              "--pcap-out", dir / "pass.pcap", "--events", dir / "events.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<nlohmann::json> events = ReadLines(dir / "events.jsonl");
  ASSERT_EQ(events.size(), 2u);
  for (const auto& e : events) EXPECT_EQ(e["client"]["ip"], "100.64.0.9") << e;
}

// The same code on its own lcore: the live dataplane over net_pcap (the
// capture played once), one worker and one sampler (the spare lcore), the
// events in --events, and the zombie table asked over the control socket.
TEST(DataplaneSamplingTest, LiveModeSamplesOnASamplerLcoreAndAnswersZombiesTop) {
  TempDir dir;
  std::ifstream in(fixtures::FixturesDir() + "/policy.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::string policy = std::regex_replace(text.str(), std::regex("smtp_flow_rate: 64"), "smtp_flow_rate: 1");
  policy = std::regex_replace(policy, std::regex("file: pools/"), "file: " + fixtures::FixturesDir() + "/pools/");
  std::ofstream(dir / "policy.yaml") << policy;
  Frames frames;
  Session(&frames, V4(100, 64, 0, 7, 40001), V4(198, 51, 100, 10, 587), {Message(1), Message(2)});
  // A zombie: SYNs to port 25 of 30 mail servers, each dropped.
  for (uint8_t d = 1; d <= 30; d++) {
    TcpConversation c(V4(100, 64, 0, 66, static_cast<uint16_t>(50000 + d)), V4(192, 0, 2, d, 25));
    c.Handshake();  // the SYN is dropped; what follows is never answered in life, harmless here
    frames.push_back(c.frames().front());
  }
  traffic::WritePcap(dir / "smtp.pcap", frames);

  const std::string sock = dir / "dp.sock";
  BackgroundProcess dp;
  ASSERT_TRUE(dp.Start(DataplaneBinary(),
                       {"--profile", fixtures::FixturesDir() + "/../../hw-profiles/pcap.yaml", "--policy",
                        dir / "policy.yaml", "--control-socket", sock, "--events", dir / "events.jsonl",
                        "--stats-json", dir / "stats.json", "--stats-interval", "60", "--",
                        "--no-huge", "-m", "256", "--no-pci", "--no-shconf", "--no-telemetry",
                        "--file-prefix=sampling-live-" + std::to_string(getpid()),
                        "--lcores=0@0,1@1,2@0",  // three lcores on two CPUs: the main one mostly sleeps
                        "--vdev=net_pcap0,rx_pcap=" + dir / "smtp.pcap" + ",tx_pcap=/dev/null",
                        "--vdev=net_pcap1,tx_pcap=/dev/null"},
                       dir / "dp.log"));
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(sock) || !dp.running(); }, 30)) << dp.Log();
  ASSERT_TRUE(dp.running()) << dp.Log();
  proto::Client client;
  std::string error;
  ASSERT_TRUE(client.Connect(sock, 10, &error)) << error;
  nlohmann::json reply;
  // Every frame judged, and the attempts counted by the sampler.
  ASSERT_TRUE(WaitFor([&] {
    return client.Call("stats", {}, &reply, &error) && reply["result"]["packets"] == frames.size() &&
           reply["result"]["sampling"]["samplers"][0]["zombies"]["attempts"] == 30;
  }, 20)) << reply.dump() << dp.Log();
  EXPECT_NE(dp.Log().find("sampler on lcore 2"), std::string::npos) << dp.Log();
  ASSERT_TRUE(client.Call("zombies.top", {{"by", "destinations"}, {"n", 5}}, &reply, &error)) << error;
  ASSERT_EQ(reply["ok"], true) << reply;
  const nlohmann::json& top = reply["result"]["subscribers"];
  ASSERT_EQ(top.size(), 1u) << reply;
  EXPECT_EQ(top[0]["subscriber"], "100.64.0.66");
  EXPECT_EQ(top[0]["attempts"], 30);
  EXPECT_EQ(top[0]["by_reason"]["consumer_smtp"], 30);
  EXPECT_NEAR(top[0]["destinations"].get<double>(), 30, 30 * 0.35);
  ASSERT_TRUE(client.Call("zombies.top", {{"by", "nonsense"}}, &reply, &error));
  EXPECT_EQ(reply["error"]["code"], "bad_request") << reply;
  client.Close();
  EXPECT_EQ(dp.Stop(SIGTERM), 0) << dp.Log();

  std::vector<nlohmann::json> events = ReadLines(dir / "events.jsonl");
  size_t messages = 0;
  for (const auto& e : events) messages += e["type"] == "smtp_message";
  EXPECT_EQ(messages, 2u) << dp.Log();
  EXPECT_EQ(events.size(), 3u);
}

}  // namespace
}  // namespace spamwall::golden
