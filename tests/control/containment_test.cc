// The containment loop through the real processes: a live dataplane
// (net_pcap ports replaying a real postfix capture, sampled 1:1) streams its
// SMTP events to controld, which stores them (SQLite in its state
// directory); `whois` resolves each Message-ID to its subscriber, a
// `complaint` (an ARF report) crosses a complaints threshold of 1, and the
// threshold quarantines the subscriber through the runtime overlay, audited
// under its name, counted in /metrics and stored as an alert event.
// (tests/live/smtp_loop_test.sh runs the same loop on veths with postfix and
// checks the next SYN is dropped.)
#include <httplib.h>

#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/control/processes.h"

namespace spamwall::e2e {
namespace {

using nlohmann::json;

std::string PolicyWithThresholds() {
  std::string policy = ReadFile(Repo() + "/tests/fixtures/policy.yaml");
  policy = std::regex_replace(policy, std::regex("smtp_flow_rate: 64"), "smtp_flow_rate: 1");
  policy = std::regex_replace(policy, std::regex("file: pools/"), "file: " + Repo() + "/tests/fixtures/pools/");
  return policy +
         "thresholds:\n"
         "  - name: one-complaint\n"
         "    metric: complaints\n"
         "    window: day\n"
         "    limit: 1\n"
         "    action: quarantine\n"
         "  - name: hits-alert\n"
         "    metric: signature_hits\n"
         "    window: hour\n"
         "    limit: 5\n"
         "    action: alert\n";
}

std::string Arf(const std::string& message_id) {
  return "From: abuse-reports@isp.example\r\n"
         "To: abuse@example.net\r\n"
         "Subject: FW: spam report\r\n"
         "Message-ID: <report.1@isp.example>\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/report; report-type=feedback-report; boundary=\"b1\"\r\n"
         "\r\n"
         "--b1\r\n"
         "Content-Type: text/plain\r\n"
         "\r\n"
         "This is an email abuse report.\r\n"
         "--b1\r\n"
         "Content-Type: message/feedback-report\r\n"
         "\r\n"
         "Feedback-Type: abuse\r\n"
         "User-Agent: SomeGenerator/1.0\r\n"
         "Version: 1\r\n"
         "Source-IP: 203.0.113.5\r\n"
         "\r\n"
         "--b1\r\n"
         "Content-Type: text/rfc822-headers\r\n"
         "\r\n"
         "From: Subscriber 3 <s3@example.org>\r\n"
         "Message-ID: " + message_id + "\r\n"
         "Subject: first of three\r\n"
         "\r\n"
         "--b1--\r\n";
}

class ContainmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    manifest_ = json::parse(ReadFile(Repo() + "/tests/fixtures/smtp/multi.json"));
    s_.Write("contain.yaml", PolicyWithThresholds());
    s_.SetDataplaneBoot({"--policy", s_.path("contain.yaml")});
    s_.SetDataplanePorts("pcap.yaml",
                         {"--lcores=0@0,1@1,2@0",  // main, worker, sampler on two CPUs
                          "--vdev=net_pcap0,rx_pcap=" + Repo() + "/tests/fixtures/smtp/multi.pcap,tx_pcap=/dev/null",
                          "--vdev=net_pcap1,tx_pcap=/dev/null"});
    s_.WriteConfig("contain.yaml");
    ASSERT_TRUE(s_.Start()) << s_.Logs();
  }

  // Waits until controld's store holds n message events.
  bool WaitForMessages(size_t n) {
    return golden::WaitFor(
        [&] {
          CtlResult r = s_.Ctl({"-j", "events", "--type", "smtp_message", "-n", "100"});
          json j = json::parse(r.out, nullptr, false);
          return r.code == 0 && j.is_object() && j["events"].size() >= n;
        },
        30);
  }

  Stack s_;
  json manifest_;
};

TEST_F(ContainmentTest, WhoisComplaintThresholdQuarantine) {
  const json& sent = manifest_["messages"];
  const std::string client = manifest_["client"];
  ASSERT_TRUE(WaitForMessages(sent.size())) << s_.Logs();

  // Every message sent resolves to its subscriber, with its envelope and bytes.
  for (const json& m : sent) {
    const std::string id = m["headers"]["message_id"];
    json w = s_.CtlJson({"whois", id});
    ASSERT_EQ(w["messages"].size(), 1u) << w;
    const json& got = w["messages"][0];
    EXPECT_EQ(got["subscriber"], client);
    EXPECT_EQ(got["client"]["ip"], client);
    EXPECT_EQ(got["server"]["ip"], "198.51.100.10");
    EXPECT_EQ(got["mail_from"], m["mail_from"]);
    EXPECT_EQ(got["rcpt_to"], m["rcpt_to"]);
    EXPECT_EQ(got["size"], m["size"]);
    EXPECT_EQ(got["sha256"], m["sha256"]);
    EXPECT_EQ(got["final_reply"], m["final_reply"]);
  }
  // Without the brackets, and in the human form.
  const std::string first = sent[0]["headers"]["message_id"];
  const std::string bare = first.substr(1, first.size() - 2);
  EXPECT_EQ(s_.CtlJson({"whois", bare})["messages"].size(), 1u);
  CtlResult human = s_.Ctl({"whois", first});
  EXPECT_EQ(human.code, 0) << human.err;
  EXPECT_TRUE(Contains(human.out, client)) << human.out;
  EXPECT_TRUE(Contains(human.out, "1 message")) << human.out;
  // Unknown: an answer, not an error.
  json none = s_.CtlJson({"whois", "<never.sent@nowhere.example>"});
  EXPECT_TRUE(none["messages"].empty());
  EXPECT_TRUE(Contains(s_.Ctl({"whois", "<never.sent@nowhere.example>"}).out, "not found"));

  // The session too, by subscriber.
  json sessions = s_.CtlJson({"events", "--subscriber", client, "--type", "smtp_session"});
  ASSERT_EQ(sessions["events"].size(), 1u) << sessions;
  EXPECT_EQ(sessions["events"][0]["messages"], sent.size());

  // An ARF complaint for the first message: resolved, and the threshold of
  // one complaint quarantines the subscriber.
  s_.Write("arf.eml", Arf(first));
  json c = s_.CtlJson({"complaint", s_.path("arf.eml")});
  EXPECT_EQ(c["kind"], "arf");
  EXPECT_EQ(c["feedback_type"], "abuse");
  ASSERT_EQ(c["ids"].size(), 1u) << c;
  EXPECT_EQ(c["ids"][0]["message_id"], first);
  EXPECT_EQ(c["ids"][0]["resolved"], true);
  EXPECT_EQ(c["ids"][0]["subscriber"], client);
  ASSERT_EQ(c["actions"].size(), 1u) << c << s_.Logs();
  EXPECT_EQ(c["actions"][0]["threshold"], "one-complaint");
  EXPECT_EQ(c["actions"][0]["action"], "quarantine");
  EXPECT_EQ(c["actions"][0]["result"], "ok") << c;

  json q = s_.CtlJson({"quarantine", "list"});
  bool listed = false;
  for (const json& e : q["entries"]) listed |= e["addr"] == client + "/32" && e["origin"] == "overlay";
  EXPECT_TRUE(listed) << q;
  // The dataplane runs it (the policy show of its live generation counts it).
  json show = s_.CtlJson({"policy", "show"});
  EXPECT_NE(show.dump().find(client + "/32"), std::string::npos) << show;

  // The audit log names the threshold.
  json audit = s_.CtlJson({"audit", "50"});
  bool audited = false;
  for (const json& r : audit["records"])
    audited |= r.value("cmd", "") == "threshold.quarantine" && r["args"].value("threshold", "") == "one-complaint" &&
               r.value("phase", "") == "outcome" && r.value("result", "") == "ok";
  EXPECT_TRUE(audited) << audit;

  // Stored: the complaint and the alert; counted: /metrics; ranked: top zombies.
  json alerts = s_.CtlJson({"events", "--type", "threshold_alert"});
  ASSERT_EQ(alerts["events"].size(), 1u) << alerts;
  EXPECT_EQ(alerts["events"][0]["threshold"], "one-complaint");
  EXPECT_EQ(alerts["events"][0]["subscriber"], client);
  EXPECT_EQ(s_.CtlJson({"events", "--type", "complaint"})["events"].size(), 1u);
  httplib::Client http("127.0.0.1", s_.metrics_port());
  auto res = http.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_TRUE(Contains(res->body, "spamwall_threshold_crossings_total{threshold=\"one-complaint\",action=\"quarantine\"} 1"))
      << res->body;
  EXPECT_TRUE(Contains(res->body, "spamwall_complaints_total{resolved=\"true\"} 1")) << res->body;
  EXPECT_TRUE(Contains(res->body, "spamwall_events_ingested_total 4")) << res->body;
  json top = s_.CtlJson({"top", "zombies", "--by", "complaints"});
  ASSERT_EQ(top["subscribers"].size(), 1u) << top;
  EXPECT_EQ(top["subscribers"][0]["subscriber"], client);
  EXPECT_EQ(top["subscribers"][0]["complaints_today"], 1);
  EXPECT_EQ(top["subscribers"][0]["quarantined"], true);
  EXPECT_EQ(s_.Ctl({"top", "zombies"}).code, 0);

  // A second complaint: counted, but the threshold fired once this day.
  c = s_.CtlJson({"complaint", s_.path("arf.eml")});
  EXPECT_TRUE(c["actions"].empty()) << c;

  // A Message-ID nobody sent: reported unresolved, nothing done.
  s_.Write("bare.txt", "<unknown.1@nowhere.example>\n");
  c = s_.CtlJson({"complaint", s_.path("bare.txt")});
  EXPECT_EQ(c["kind"], "message_id");
  ASSERT_EQ(c["ids"].size(), 1u);
  EXPECT_EQ(c["ids"][0]["resolved"], false);
  EXPECT_TRUE(c["actions"].empty());
  CtlResult unresolved = s_.Ctl({"complaint", s_.path("bare.txt")});
  EXPECT_TRUE(Contains(unresolved.out, "unresolved")) << unresolved.out;
}

TEST_F(ContainmentTest, BadRequestsAreClearErrors) {
  // A file with no Message-ID at all.
  s_.Write("junk.bin", "\x01\x02garbage\xff\xfe no id here");
  CtlResult r = s_.Ctl({"complaint", s_.path("junk.bin")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "no Message-ID")) << r.err;
  r = s_.Ctl({"-j", "complaint", s_.path("junk.bin")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.out, "\"code\"")) << r.out;
  // Not a regular file, missing file: refused by spamwallctl itself.
  EXPECT_EQ(s_.Ctl({"complaint", "/dev/zero"}).code, 1);
  EXPECT_EQ(s_.Ctl({"complaint", s_.path("absent.eml")}).code, 1);
  // Usage errors.
  EXPECT_EQ(s_.Ctl({"whois"}).code, 2);
  EXPECT_EQ(s_.Ctl({"events", "--since", "yesterday"}).code, 2);
  EXPECT_EQ(s_.Ctl({"events", "--type", "bogus"}).code, 2);
  EXPECT_EQ(s_.Ctl({"top", "zombies", "--by", "bogus"}).code, 2);
  EXPECT_EQ(s_.Ctl({"top", "zombies", "-n", "0"}).code, 2);
  // A Message-ID with a control character is refused by controld.
  r = s_.Ctl({"whois", std::string("<a\x1b[2J@b>")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "control character")) << r.err;
  // --since in both forms.
  EXPECT_EQ(s_.Ctl({"events", "--since", "2026-01-02"}).code, 0);
  EXPECT_EQ(s_.Ctl({"events", "--since", "1767225600"}).code, 0);
  EXPECT_EQ(s_.Ctl({"-j", "events", "--since", "2026-01-02T03:04"}).code, 0);
}

}  // namespace
}  // namespace spamwall::e2e
