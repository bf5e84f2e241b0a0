// Real SMTP through the offline dataplane: captures that scripts/capture-smtp
// made of postfix and swaks (and its own client for several messages and
// BDAT) on a veth link, with a manifest of what the client sent. The one
// command of the issue (`--policy P --pcap-in CAPTURE --pcap-out PASS
// --events EVENTS.jsonl`, sampling.smtp_flow_rate: 1) must give one message
// event per message sent, and every field, size and SHA-256 as sent.
//
// The small captures are fixtures (tests/fixtures/smtp/); the 200 messages
// of the SpamAssassin corpus are regenerated into the build tree by the
// script, and their test skips, naming the command, where they are absent.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/fixtures/fixture.h"
#include "tests/golden/run_dataplane.h"
#include "tests/traffic/pcap_file.h"

namespace spamwall::golden {
namespace {

using nlohmann::json;

json ReadJson(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return json::parse(in);
}

std::vector<json> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> out;
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// The fixture policy with every SMTP flow sampled (and `extra` appended).
std::string WritePolicy(const TempDir& dir, const std::string& extra = "") {
  std::ifstream in(fixtures::FixturesDir() + "/policy.yaml");
  std::stringstream s;
  s << in.rdbuf();
  std::string text = std::regex_replace(s.str(), std::regex("smtp_flow_rate: 64"), "smtp_flow_rate: 1");
  text = std::regex_replace(text, std::regex("file: pools/"), "file: " + fixtures::FixturesDir() + "/pools/");
  EXPECT_NE(text.find("smtp_flow_rate: 1"), std::string::npos);
  std::ofstream(dir / "policy.yaml") << text << extra;
  return dir / "policy.yaml";
}

struct CaptureRun {
  RunResult result;
  std::vector<json> sessions, messages;
  json stats;
};

// The one command, over one capture (`policy_extra` appended to the policy,
// `args` added to the command).
CaptureRun RunCapture(const TempDir& dir, const std::string& pcap, const std::string& policy_extra = "",
                      const std::vector<std::string>& args = {}) {
  CaptureRun run;
  std::vector<std::string> command = {"--policy", WritePolicy(dir, policy_extra), "--pcap-in", pcap, "--pcap-out",
                                      dir / "pass.pcap", "--events", dir / "events.jsonl",
                                      "--stats-json", dir / "stats.json"};
  command.insert(command.end(), args.begin(), args.end());
  run.result = RunDataplane(command);
  if (run.result.exit_code != 0) return run;
  for (const json& e : ReadLines(dir / "events.jsonl"))
    (e.at("type") == "smtp_message" ? run.messages : run.sessions).push_back(e);
  run.stats = ReadJson(dir / "stats.json");
  return run;
}

std::string SmtpFixture(const std::string& name) { return fixtures::FixturesDir() + "/smtp/" + name; }

// Every session and message of the manifest against the events: sessions
// by the client's port, messages in order within their session; nothing
// more and nothing less than what was sent in clear.
// `allowed_anomalies`: what real mail may rightly raise (the corpus has
// lines over RFC 5321's 1000). `hits`: every message's (none without signatures).
void ExpectEventsMatchManifest(const CaptureRun& run, const json& manifest,
                               const std::set<std::string>& allowed_anomalies = {},
                               const json& hits = json::array()) {
  const std::string client = manifest.at("client"), server = manifest.at("server");
  const int server_port = manifest.at("server_port");
  ASSERT_EQ(run.sessions.size(), manifest.at("sessions").size()) << run.result.output;

  std::map<int, const json*> session_by_port;
  std::map<int, std::vector<const json*>> messages_by_port;
  for (const json& s : run.sessions) session_by_port[s.at("client").at("port")] = &s;
  for (const json& m : run.messages) messages_by_port[m.at("client").at("port")].push_back(&m);

  size_t expected_messages = 0;
  const json& sent_sessions = manifest.at("sessions");
  for (size_t i = 0; i < sent_sessions.size(); i++) {
    const json& want = sent_sessions[i];
    const int port = want.at("client_port");
    SCOPED_TRACE("session " + std::to_string(i) + " from port " + std::to_string(port));
    ASSERT_TRUE(session_by_port.count(port)) << "no session event for client port " << port;
    const json& got = *session_by_port[port];
    EXPECT_EQ(got.at("client").at("ip"), client);
    EXPECT_EQ(got.at("server").at("ip"), server);
    EXPECT_EQ(got.at("server").at("port"), server_port);
    EXPECT_EQ(got.at("subscriber"), client) << "the client is in the ISP's internal space";
    EXPECT_EQ(got.at("helo_verb"), want.at("helo_verb"));
    EXPECT_EQ(got.at("ehlo_name"), want.at("ehlo_name"));
    EXPECT_EQ(got.at("auth_mechanism"), want.at("auth_mechanism"));
    EXPECT_EQ(got.at("starttls"), want.at("starttls"));
    EXPECT_EQ(got.at("pipelined"), want.at("pipelined"));
    EXPECT_EQ(got.at("messages"), want.at("messages"));
    EXPECT_EQ(got.at("reply_codes"), want.at("reply_codes")) << "the replies the client read in clear";
    EXPECT_EQ(got.at("midstream"), false);
    for (const json& a : got.at("anomalies"))
      EXPECT_TRUE(allowed_anomalies.count(a.get<std::string>())) << a << " in " << got;

    std::vector<const json*> sent;
    for (const json& m : manifest.at("messages"))
      if (m.at("session") == i && !m.value("inside_tls", false)) sent.push_back(&m);
    expected_messages += sent.size();
    const std::vector<const json*>& events = messages_by_port[port];
    ASSERT_EQ(events.size(), sent.size()) << "one message event per message sent";
    for (size_t k = 0; k < sent.size(); k++) {
      const json& w = *sent[k];
      const json& m = *events[k];
      SCOPED_TRACE("message " + std::to_string(k) + ": " + w.value("corpus_file", w.at("headers").at("message_id").get<std::string>()));
      EXPECT_EQ(m.at("subscriber"), client);
      EXPECT_EQ(m.at("mail_from"), w.at("mail_from"));
      EXPECT_EQ(m.at("rcpt_to"), w.at("rcpt_to"));
      EXPECT_EQ(m.at("rcpt_count"), w.at("rcpt_to").size());
      EXPECT_EQ(m.at("final_reply"), w.at("final_reply"));
      EXPECT_EQ(m.at("message_id"), w.at("headers").at("message_id"));
      EXPECT_EQ(m.at("from"), w.at("headers").at("from"));
      EXPECT_EQ(m.at("subject"), w.at("headers").at("subject"));
      EXPECT_EQ(m.at("x_mailer"), w.at("headers").at("x_mailer"));
      EXPECT_EQ(m.at("data_mode"), w.at("data_mode"));
      EXPECT_EQ(m.at("size"), w.at("size"));
      EXPECT_EQ(m.at("sha256"), w.at("sha256"));
      EXPECT_EQ(m.at("complete"), w.at("complete"));
      EXPECT_EQ(m.at("hits"), hits);
      EXPECT_EQ(m.at("hits_truncated"), false);
    }
  }
  EXPECT_EQ(run.messages.size(), expected_messages);
  // Nothing of it dropped, nothing lost on the way to the event file.
  EXPECT_EQ(run.stats.at("dropped_total"), 0) << run.stats.at("dropped");
  EXPECT_EQ(run.stats.at("sampling").at("events").at("lost"), 0);
  EXPECT_EQ(run.stats.at("sampling").at("ring_full"), 0);
}

class SmtpCaptureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SmtpCaptureTest, EveryEventFieldIsWhatTheClientSent) {
  const json manifest = ReadJson(SmtpFixture(GetParam() + ".json"));
  ASSERT_EQ(manifest.at("capture"), GetParam() + ".pcap");
  TempDir dir;
  CaptureRun run = RunCapture(dir, SmtpFixture(GetParam() + ".pcap"));
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  ExpectEventsMatchManifest(run, manifest);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, SmtpCaptureTest,
                         ::testing::Values("plain", "pipelined", "multi", "bdat", "auth", "ipv6", "gtube", "starttls"),
                         [](const auto& info) { return info.param; });

// What each capture is there for, so that a regenerated fixture that lost
// its point fails here rather than passing vacuously.
TEST(SmtpCaptureFixturesTest, EachCaptureHoldsWhatItIsFor) {
  auto manifest = [](const std::string& name) { return ReadJson(SmtpFixture(name + ".json")); };
  const json plain = manifest("plain");
  ASSERT_EQ(plain.at("messages").size(), 1u);
  // Dot-stuffed on the wire: lines of the message that start with a dot.
  const std::vector<std::vector<uint8_t>> frames = traffic::ReadPcapFrames(SmtpFixture("plain.pcap"));
  std::string wire;
  for (const auto& f : frames) wire.append(f.begin(), f.end());
  EXPECT_NE(wire.find("\r\n...two dots\r\n"), std::string::npos) << "stuffed twice-dotted line";
  EXPECT_NE(wire.find("\r\n..\r\n"), std::string::npos) << "a lone dot inside the message, stuffed";

  EXPECT_EQ(manifest("pipelined").at("sessions")[0].at("pipelined"), true);
  EXPECT_EQ(manifest("pipelined").at("messages")[0].at("rcpt_to").size(), 2u);
  EXPECT_EQ(manifest("multi").at("messages").size(), 3u);
  const json bdat = manifest("bdat");
  ASSERT_EQ(bdat.at("messages").size(), 2u);
  for (const json& m : bdat.at("messages")) EXPECT_EQ(m.at("data_mode"), "BDAT");
  EXPECT_GT(bdat.at("messages")[0].at("size"), 4096) << "several chunks";
  EXPECT_EQ(manifest("auth").at("sessions")[0].at("auth_mechanism"), "PLAIN");
  // GTUBE across two TCP segments: neither segment holds all of it.
  const std::string gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
  bool whole = false, split = false;
  for (const auto& f : traffic::ReadPcapFrames(SmtpFixture("gtube.pcap"))) {
    const std::string frame(f.begin(), f.end());
    whole = whole || frame.find(gtube) != std::string::npos;
    split = split || (frame.size() > 34 && frame.compare(frame.size() - 34, 34, gtube, 0, 34) == 0);
  }
  EXPECT_FALSE(whole) << "GTUBE in one segment";
  EXPECT_TRUE(split) << "GTUBE's first 34 bytes end a segment";
  const json tls = manifest("starttls");
  EXPECT_EQ(tls.at("server_port"), 587);
  EXPECT_EQ(tls.at("sessions")[0].at("starttls"), true);
  EXPECT_EQ(tls.at("messages")[0].at("inside_tls"), true);
}

// AUTH PLAIN in clear: the mechanism is kept, the credentials (on the wire,
// base64 in the AUTH line) never reach an event.
TEST(SmtpCaptureRunTest, AuthKeepsTheMechanismNeverTheCredentials) {
  const json manifest = ReadJson(SmtpFixture("auth.json"));
  ASSERT_EQ(manifest.at("sessions")[0].at("auth_mechanism"), "PLAIN");
  // "\0alice@example.net\0capture-S3cret" in base64, as swaks sent it.
  const std::string credentials = "AGFsaWNlQGV4YW1wbGUubmV0AGNhcHR1cmUtUzNjcmV0";
  std::string wire;
  for (const auto& f : traffic::ReadPcapFrames(SmtpFixture("auth.pcap"))) wire.append(f.begin(), f.end());
  ASSERT_NE(wire.find("AUTH PLAIN " + credentials), std::string::npos) << "the capture has them";
  TempDir dir;
  CaptureRun run = RunCapture(dir, SmtpFixture("auth.pcap"));
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  ASSERT_EQ(run.sessions.size(), 1u);
  EXPECT_EQ(run.sessions[0].at("auth_mechanism"), "PLAIN");
  std::ifstream in(dir / "events.jsonl");
  std::stringstream events;
  events << in.rdbuf();
  EXPECT_EQ(events.str().find(credentials), std::string::npos) << events.str();
  EXPECT_EQ(events.str().find("capture-S3cret"), std::string::npos);
}

// The STARTTLS session: the sampler stops at the 220 and sees no message.
TEST(SmtpCaptureRunTest, StarttlsSessionEndsInspectionAtThe220) {
  TempDir dir;
  CaptureRun run = RunCapture(dir, SmtpFixture("starttls.pcap"));
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  ASSERT_EQ(run.sessions.size(), 1u);
  EXPECT_EQ(run.messages.size(), 0u) << "the message was sent inside TLS";
  EXPECT_EQ(run.sessions[0].at("starttls"), true);
  const json& smtp = run.stats.at("sampling").at("samplers")[0].at("flows").at("smtp");
  EXPECT_GT(smtp.at("tls_bytes").get<uint64_t>(), 0u) << smtp;
}

// The starter signature set in the policy (`signatures:`): GTUBE, which the
// capture carries across two TCP segments, is the message's hit; every
// other field is still what the client sent. Past --scan-bytes it is not
// seen, and the event says its hits may be incomplete.
TEST(SmtpCaptureRunTest, GtubeAcrossSegmentsIsAHitWithTheStarterSet) {
  const std::string sigs = "signatures: [" + fixtures::FixturesDir() + "/../../signatures/starter.sigs]\n";
  const json manifest = ReadJson(SmtpFixture("gtube.json"));
  TempDir dir;
  CaptureRun run = RunCapture(dir, SmtpFixture("gtube.pcap"), sigs);
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  ExpectEventsMatchManifest(run, manifest, {}, json::array({{{"id", "GTUBE"}, {"class", "spam"}, {"score", 1000}}}));
  const json& scan = run.stats.at("sampling").at("samplers")[0].at("scan");
  EXPECT_EQ(scan.at("databases"), 1) << scan;
  EXPECT_EQ(scan.at("messages"), 1) << scan;
  EXPECT_EQ(scan.at("bytes"), manifest.at("messages")[0].at("size")) << scan;
  EXPECT_EQ(scan.at("hits"), 1) << scan;
  EXPECT_EQ(scan.at("truncated"), 0) << scan;

  TempDir capped;
  run = RunCapture(capped, SmtpFixture("gtube.pcap"), sigs, {"--scan-bytes", "2000"});
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  ASSERT_EQ(run.messages.size(), 1u);
  EXPECT_EQ(run.messages[0].at("hits"), json::array()) << "GTUBE starts at byte 2862";
  EXPECT_EQ(run.messages[0].at("hits_truncated"), true);
  const json& cut = run.stats.at("sampling").at("samplers")[0].at("scan");
  EXPECT_EQ(cut.at("truncated"), 1) << cut;
  EXPECT_EQ(cut.at("bytes"), 2000) << cut;
}

// 200 messages of the SpamAssassin public corpus, real spam and ham with
// all their odd headers, in 20 sessions (of every 4, the 2nd pipelined,
// the 4th BDAT).
TEST(SmtpCaptureRunTest, SpamAssassinCorpusEveryMessage) {
  const std::string pcap = BuiltBinary("smtp-corpus/corpus.pcap");
  const std::string manifest_path = BuiltBinary("smtp-corpus/corpus.json");
  if (!Exists(pcap) || !Exists(manifest_path))
    GTEST_SKIP() << pcap << " absent: run `scripts/capture-smtp --no-small` (root: network "
                 << "namespaces, postfix, swaks, tcpdump; the corpus from npm) to write it";
  const json manifest = ReadJson(manifest_path);
  ASSERT_GE(manifest.at("messages").size(), 200u);
  TempDir dir;
  CaptureRun run = RunCapture(dir, pcap);
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  ExpectEventsMatchManifest(run, manifest, {"text_line_too_long"});
}

// Offline, the events' times are the capture's (net_pcap's RX timestamps,
// carried on the sampled copy: SamplerConfig::packet_clock): a session's
// ts_start and ts_end are its first and last segments' as the pcap records
// them, and its messages fall between, so the events can be put on the
// capture's timeline and joined with the mail server's log. (Before, they
// were the moment the dataplane read the file.)
TEST(SmtpCaptureRunTest, EventTimesAreTheCapturesTimes) {
  TempDir dir;
  CaptureRun run = RunCapture(dir, SmtpFixture("multi.pcap"));
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  const std::vector<traffic::PcapPacket> packets = traffic::ReadPcap(SmtpFixture("multi.pcap"));
  ASSERT_GE(packets.size(), 2u);
  const double first = packets.front().time_us / 1e6, last = packets.back().time_us / 1e6;
  ASSERT_LT(first, last);
  ASSERT_EQ(run.sessions.size(), 1u);
  EXPECT_NEAR(run.sessions[0].at("ts_start").get<double>(), first, 1e-3);
  EXPECT_NEAR(run.sessions[0].at("ts_end").get<double>(), last, 1e-3);
  for (const json& m : run.messages) {
    EXPECT_GE(m.at("ts").get<double>(), first);
    EXPECT_LE(m.at("ts").get<double>(), last);
  }
}

}  // namespace
}  // namespace spamwall::golden
