#include "dataplane/smtp/smtp_events.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace spamwall::smtp {
namespace {

using nlohmann::json;

SmtpEndpoint V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  SmtpEndpoint e;
  e.l3 = 4;
  e.addr[0] = a, e.addr[1] = b, e.addr[2] = c, e.addr[3] = d;
  e.port = port;
  return e;
}

TEST(SmtpEventsTest, SessionIsOneLineWithEveryField) {
  SmtpSessionEvent e;
  e.uid = 77;
  e.subscriber = "100.64.0.7";
  e.client = V4(100, 64, 0, 7, 40000);
  e.server.l3 = 6;
  e.server.addr[0] = 0x20, e.server.addr[1] = 0x01, e.server.addr[2] = 0x0d, e.server.addr[3] = 0xb8;
  e.server.addr[15] = 0x25;
  e.server.port = 587;
  e.ts_start = 1700000000.25;
  e.ts_end = 1700000001.5;
  e.helo_verb = "EHLO";
  e.ehlo_name = "pc7";
  e.auth_mechanism = "PLAIN";
  e.starttls = true;
  e.pipelined = true;
  e.commands = 7;
  e.messages = 2;
  e.reply_codes = {{250, 5}, {354, 1}};
  e.anomalies = {"unknown_command"};
  e.close_reason = "fin";
  const std::string line = ToJsonLine(e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  json j = json::parse(line);
  EXPECT_EQ(j["type"], "smtp_session");
  EXPECT_EQ(j["uid"], 77);
  EXPECT_EQ(j["subscriber"], "100.64.0.7");
  EXPECT_EQ(j["client"], (json{{"ip", "100.64.0.7"}, {"port", 40000}}));
  EXPECT_EQ(j["server"], (json{{"ip", "2001:db8::25"}, {"port", 587}}));
  EXPECT_DOUBLE_EQ(j["ts_start"].get<double>(), 1700000000.25);
  EXPECT_DOUBLE_EQ(j["ts_end"].get<double>(), 1700000001.5);
  EXPECT_EQ(j["helo_verb"], "EHLO");
  EXPECT_EQ(j["ehlo_name"], "pc7");
  EXPECT_EQ(j["auth_mechanism"], "PLAIN");
  EXPECT_EQ(j["starttls"], true);
  EXPECT_EQ(j["pipelined"], true);
  EXPECT_EQ(j["midstream"], false);
  EXPECT_EQ(j["commands"], 7);
  EXPECT_EQ(j["messages"], 2);
  EXPECT_EQ(j["reply_codes"], (json{{"250", 5}, {"354", 1}}));
  EXPECT_EQ(j["anomalies"], (json{"unknown_command"}));
  EXPECT_EQ(j["close_reason"], "fin");
}

TEST(SmtpEventsTest, MessageFieldsAndBytesThatAreNotUtf8) {
  SmtpMessageEvent m;
  m.uid = 78;
  m.client = V4(100, 64, 0, 7, 40000);
  m.server = V4(192, 0, 2, 25, 25);
  m.ts = 12.5;
  m.mail_from = "a@example.org";
  m.rcpt_to = {"b@example.net", "c@example.net"};
  m.rcpt_count = 3;
  m.final_reply = 250;
  m.message_id = "<1@x>";
  m.from = "A <a@example.org>";
  m.subject = "caf\xe9";  // Latin-1 off the wire: replaced, not thrown on
  m.x_mailer = "swaks";
  m.data_mode = DataMode::kBdat;
  m.size = 42;
  m.sha256 = std::string(64, 'a');
  m.complete = true;
  json j = json::parse(ToJsonLine(m));
  EXPECT_EQ(j["type"], "smtp_message");
  EXPECT_EQ(j["uid"], 78);
  EXPECT_EQ(j["subscriber"], "");
  EXPECT_EQ(j["server"]["ip"], "192.0.2.25");
  EXPECT_DOUBLE_EQ(j["ts"].get<double>(), 12.5);
  EXPECT_EQ(j["mail_from"], "a@example.org");
  EXPECT_EQ(j["rcpt_to"], (json{"b@example.net", "c@example.net"}));
  EXPECT_EQ(j["rcpt_count"], 3);
  EXPECT_EQ(j["final_reply"], 250);
  EXPECT_EQ(j["message_id"], "<1@x>");
  EXPECT_EQ(j["from"], "A <a@example.org>");
  EXPECT_EQ(j["subject"], "caf\xef\xbf\xbd");
  EXPECT_EQ(j["x_mailer"], "swaks");
  EXPECT_EQ(j["data_mode"], "BDAT");
  EXPECT_EQ(j["size"], 42);
  EXPECT_EQ(j["sha256"], std::string(64, 'a'));
  EXPECT_EQ(j["complete"], true);
  EXPECT_EQ(j["hits"], json::array());
}

}  // namespace
}  // namespace spamwall::smtp
