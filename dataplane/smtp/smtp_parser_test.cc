#include "dataplane/smtp/smtp_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataplane/smtp/sha256.h"
#include "tests/fixtures/tcp_conversation.h"

namespace spamwall::smtp {
namespace {

struct Recorder : SmtpEventSink {
  std::vector<SmtpSessionEvent> sessions;
  std::vector<SmtpMessageEvent> messages;
  std::vector<std::string> streamed;  // OnMessageBytes, one string per message
  int starts = 0, ends = 0;
  void OnSession(const SmtpSessionEvent& e) override { sessions.push_back(e); }
  void OnMessage(const SmtpMessageEvent& e) override { messages.push_back(e); }
  void OnMessageStart() override {
    starts++;
    streamed.emplace_back();
  }
  void OnMessageBytes(const uint8_t* p, size_t n) override {
    streamed.back().append(reinterpret_cast<const char*>(p), n);
  }
  void OnMessageEnd() override { ends++; }
  // Every event as JSON, for checks that a string appears nowhere.
  std::string AllJson() const {
    std::string all;
    for (const auto& s : sessions) all += ToJsonLine(s) + "\n";
    for (const auto& m : messages) all += ToJsonLine(m) + "\n";
    return all;
  }
};

SmtpEndpoint Ep(uint8_t last, uint16_t port) {
  SmtpEndpoint e;
  e.l3 = 4;
  e.addr[0] = 100, e.addr[1] = 64, e.addr[3] = last;
  e.port = port;
  return e;
}

struct Conv {
  explicit Conv(SmtpLimits l = {}, bool midstream = false)
      : limits(l), session(Ep(7, 40000), Ep(25, 25), 1.0, midstream, limits, &counters, &sink) {}
  void C(const std::string& s) { session.ClientData(reinterpret_cast<const uint8_t*>(s.data()), s.size(), ts += 0.01); }
  void S(const std::string& s) { session.ServerData(reinterpret_cast<const uint8_t*>(s.data()), s.size(), ts += 0.01); }
  void Close() { session.Close(ts += 0.01, "fin"); }
  const SmtpSessionEvent& Session() const { return sink.sessions.at(0); }
  SmtpLimits limits;  // outlives the session, as the session requires
  double ts = 1.0;
  SmtpCounters counters;
  Recorder sink;
  SmtpSession session;
};

// The message as DATA carries it: dot-stuffed, with the "." line.
// A literal with its NULs.
template <size_t N>
std::string B(const char (&s)[N]) {
  return std::string(s, N - 1);
}

std::string Hash(const std::string& s) {
  return Sha256::Hex(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

const std::string kMessage =
    "Message-ID: <20261202.1@pc7.example.org>\r\n"
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.net\r\n"
    "Subject: a folded\r\n"
    "\tsubject line\r\n"
    "X-Mailer: swaks v20240103.0\r\n"
    "\r\n"
    "Hello Bob,\r\n"
    ".a line that starts with a dot\r\n"
    "..and one with two\r\n"
    ".\tdot tab\r\n"
    "Bye.\r\n";

void Greet(Conv& c) {
  c.S("220 mx.example.net ESMTP\r\n");
  c.C("EHLO pc7.example.org\r\n");
  c.S("250-mx.example.net\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n");
}

void Send(Conv& c, const std::string& from, const std::string& rcpt, const std::string& message) {
  c.C("MAIL FROM:<" + from + "> SIZE=" + std::to_string(message.size()) + "\r\n");
  c.S("250 2.1.0 Ok\r\n");
  c.C("RCPT TO:<" + rcpt + ">\r\n");
  c.S("250 2.1.5 Ok\r\n");
  c.C("DATA\r\n");
  c.S("354 End data with <CR><LF>.<CR><LF>\r\n");
  c.C(fixtures::DotStuff(message));
  c.S("250 2.0.0 Ok: queued as 4AbC\r\n");
}

TEST(SmtpParserTest, PlainSessionWithDotStuffingGivesEveryField) {
  Conv c;
  Greet(c);
  Send(c, "alice@example.org", "bob@example.net", kMessage);
  c.C("QUIT\r\n");
  c.S("221 2.0.0 Bye\r\n");
  c.Close();

  ASSERT_EQ(c.sink.messages.size(), 1u);
  const SmtpMessageEvent& m = c.sink.messages[0];
  EXPECT_EQ(m.mail_from, "alice@example.org");
  EXPECT_EQ(m.rcpt_to, std::vector<std::string>{"bob@example.net"});
  EXPECT_EQ(m.rcpt_count, 1u);
  EXPECT_EQ(m.final_reply, 250);
  EXPECT_EQ(m.message_id, "<20261202.1@pc7.example.org>");
  EXPECT_EQ(m.from, "Alice <alice@example.org>");
  EXPECT_EQ(m.subject, "a folded\tsubject line");
  EXPECT_EQ(m.x_mailer, "swaks v20240103.0");
  EXPECT_EQ(m.data_mode, DataMode::kData);
  EXPECT_EQ(m.size, kMessage.size());
  EXPECT_EQ(m.sha256, Hash(kMessage));
  EXPECT_TRUE(m.complete);
  EXPECT_TRUE(m.hits.empty());
  EXPECT_EQ(m.client.port, 40000);
  EXPECT_EQ(m.server.port, 25);
  ASSERT_EQ(c.sink.streamed.size(), 1u);
  EXPECT_EQ(c.sink.streamed[0], kMessage) << "the sink sees the bytes the server received";
  EXPECT_EQ(c.sink.starts, 1);
  EXPECT_EQ(c.sink.ends, 1);

  ASSERT_EQ(c.sink.sessions.size(), 1u);
  const SmtpSessionEvent& s = c.Session();
  EXPECT_EQ(s.helo_verb, "EHLO");
  EXPECT_EQ(s.ehlo_name, "pc7.example.org");
  EXPECT_EQ(s.commands, 5u);  // EHLO MAIL RCPT DATA QUIT
  EXPECT_EQ(s.messages, 1u);
  EXPECT_FALSE(s.pipelined);
  EXPECT_FALSE(s.starttls);
  EXPECT_FALSE(s.midstream);
  EXPECT_EQ(s.reply_codes, (std::map<uint16_t, uint64_t>{{220, 1}, {250, 4}, {354, 1}, {221, 1}}));
  EXPECT_TRUE(s.anomalies.empty()) << s.anomalies.front();
  EXPECT_EQ(s.close_reason, "fin");
  EXPECT_DOUBLE_EQ(s.ts_start, 1.0);
  EXPECT_DOUBLE_EQ(s.ts_end, c.ts);
  EXPECT_EQ(c.counters.sessions, 1u);
  EXPECT_EQ(c.counters.messages, 1u);
  EXPECT_EQ(c.counters.message_bytes, kMessage.size());
}

// Where TCP cuts the stream changes nothing.
TEST(SmtpParserTest, AnySplitOfTheStreamsGivesTheSameEvents) {
  auto run = [](size_t chunk) {
    Conv c;
    auto feed = [&](bool client, const std::string& s) {
      for (size_t i = 0; i < s.size(); i += chunk) {
        const std::string part = s.substr(i, chunk);
        client ? c.C(part) : c.S(part);
      }
    };
    feed(false, "220 mx ESMTP\r\n");
    feed(true, "EHLO pc\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
    feed(false, "250-mx\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n354 go\r\n");
    feed(true, fixtures::DotStuff(kMessage));
    feed(false, "250 queued\r\n");
    feed(true, "BDAT 7\r\nab\r\n.\r\nBDAT 0 LAST\r\n");
    feed(false, "250 ok\r\n250 queued\r\n");
    c.ts = 9;  // the same times whatever the chunking
    c.Close();
    std::string all;
    for (auto& m : c.sink.messages) m.ts = 0;
    for (auto& s : c.sink.sessions) s.ts_start = s.ts_end = 0;
    return c.sink.AllJson();
  };
  const std::string whole = run(1 << 20);
  EXPECT_NE(whole.find(Hash(kMessage)), std::string::npos);
  EXPECT_NE(whole.find(Hash("ab\r\n.\r\n")), std::string::npos);
  for (size_t chunk : {1, 2, 3, 5, 7, 64}) EXPECT_EQ(run(chunk), whole) << "chunks of " << chunk;
}

TEST(SmtpParserTest, PipelinedRepliesMatchTheirCommandsInOrder) {
  Conv c;
  Greet(c);
  c.C("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<nobody@y>\r\nRCPT TO:<c@y>\r\nDATA\r\n");
  c.S("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550-5.1.1 no such\r\n550 5.1.1 user\r\n250 2.1.5 Ok\r\n");
  c.S("354 go\r\n");
  c.C("Subject: s\r\n\r\nbody\r\n.\r\n");
  c.S("250 queued\r\n");
  c.Close();
  ASSERT_EQ(c.sink.messages.size(), 1u);
  const auto& m = c.sink.messages[0];
  EXPECT_EQ(m.rcpt_to, (std::vector<std::string>{"b@y", "nobody@y", "c@y"}));
  EXPECT_EQ(m.final_reply, 250);
  EXPECT_EQ(m.subject, "s");
  EXPECT_EQ(m.size, std::string("Subject: s\r\n\r\nbody\r\n").size());
  EXPECT_TRUE(c.Session().pipelined);
  EXPECT_EQ(c.Session().reply_codes.at(550), 1u) << "a multi-line reply is one reply";
  EXPECT_EQ(c.Session().reply_codes.at(250), 5u);
  EXPECT_EQ(c.counters.unmatched_replies, 0u);
}

// A refused DATA: what the client sent after it are commands, not a message.
TEST(SmtpParserTest, RefusedDataLeavesNoMessage) {
  Conv c;
  Greet(c);
  c.C("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
  c.S("250 ok\r\n550 no\r\n");
  c.C("RSET\r\n");  // sent before the reply to DATA arrived: held, then a command
  c.S("554 no valid recipients\r\n250 reset\r\n");
  c.C("QUIT\r\n");
  c.S("221 bye\r\n");
  c.Close();
  EXPECT_TRUE(c.sink.messages.empty());
  EXPECT_EQ(c.sink.starts, 0);
  EXPECT_EQ(c.Session().commands, 6u);
  EXPECT_EQ(c.Session().reply_codes.at(221), 1u);
  EXPECT_EQ(c.counters.unmatched_replies, 0u);
}

TEST(SmtpParserTest, BdatChunksAreRawBytesUpToLast) {
  Conv c;
  Greet(c);
  const std::string one = "Message-ID: <b@x>\r\n\r\nline\r\n.\r\n";  // a "." line: data in BDAT
  const std::string two = "..two\r\n";
  c.C("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n");
  c.S("250 ok\r\n250 ok\r\n");
  c.C("BDAT " + std::to_string(one.size()) + "\r\n" + one + "BDAT " + std::to_string(two.size()) + " LAST\r\n" + two);
  c.S("250 2.0.0 " + std::to_string(one.size()) + " octets\r\n");
  EXPECT_TRUE(c.sink.messages.empty()) << "the LAST chunk's reply ends the message";
  c.S("250 2.0.0 queued\r\n");
  c.C("QUIT\r\n");
  ASSERT_EQ(c.sink.messages.size(), 1u);
  const auto& m = c.sink.messages[0];
  EXPECT_EQ(m.data_mode, DataMode::kBdat);
  EXPECT_EQ(m.size, one.size() + two.size());
  EXPECT_EQ(m.sha256, Hash(one + two));
  EXPECT_EQ(m.message_id, "<b@x>");
  EXPECT_EQ(m.final_reply, 250);
  EXPECT_TRUE(m.complete);
  c.Close();
  EXPECT_EQ(c.Session().commands, 6u);  // EHLO MAIL RCPT BDAT BDAT QUIT
}

TEST(SmtpParserTest, BdatZeroLastEndsTheMessage) {
  Conv c;
  Greet(c);
  const std::string body = "Subject: zero\r\n\r\nhi\r\n";
  c.C("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT " + std::to_string(body.size()) + "\r\n" + body);
  c.S("250 ok\r\n250 ok\r\n250 chunk\r\n");
  c.C("BDAT 0 LAST\r\n");
  c.S("451 try later\r\n");
  ASSERT_EQ(c.sink.messages.size(), 1u);
  EXPECT_EQ(c.sink.messages[0].size, body.size());
  EXPECT_EQ(c.sink.messages[0].sha256, Hash(body));
  EXPECT_EQ(c.sink.messages[0].subject, "zero");
  EXPECT_EQ(c.sink.messages[0].final_reply, 451);
  EXPECT_TRUE(c.sink.messages[0].complete);
}

TEST(SmtpParserTest, StarttlsInjectionIsDiscardedAndTheRestNotInspected) {
  Conv c;
  Greet(c);
  const std::string injected = "MAIL FROM:<evil@injected.example>\r\nRCPT TO:<x@y>\r\n";
  c.C("STARTTLS\r\n" + injected);
  const std::string hello = B("\x16\x03\x01\x00\x05garbage"), tls = B("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 MAIL FROM:<hidden@x>\r\n"),
                    tls2 = B("\x16\x03\x03 250 ok\r\n");
  c.S("220 2.0.0 Ready to start TLS\r\n" + hello);
  c.C(tls);
  c.S(tls2);
  c.Close();
  EXPECT_TRUE(c.sink.messages.empty());
  const auto& s = c.Session();
  EXPECT_TRUE(s.starttls);
  EXPECT_EQ(s.commands, 2u);  // EHLO, STARTTLS
  EXPECT_EQ(s.anomalies, std::vector<std::string>{"starttls_pipelined"});
  EXPECT_EQ(c.counters.starttls_discarded_bytes, injected.size());
  EXPECT_EQ(c.counters.tls_bytes, hello.size() + tls.size() + tls2.size());
  EXPECT_EQ(c.sink.AllJson().find("evil"), std::string::npos);
  EXPECT_EQ(c.sink.AllJson().find("hidden"), std::string::npos);
}

TEST(SmtpParserTest, StarttlsRefusedResumesParsing) {
  Conv c;
  Greet(c);
  c.C("STARTTLS\r\n");
  c.S("454 4.7.0 TLS not available\r\n");
  Send(c, "a@x", "b@y", kMessage);
  c.Close();
  EXPECT_FALSE(c.Session().starttls);
  ASSERT_EQ(c.sink.messages.size(), 1u);
  EXPECT_EQ(c.sink.messages[0].sha256, Hash(kMessage));
}

TEST(SmtpParserTest, AuthKeepsTheMechanismAndNeverTheCredentials) {
  Conv c;
  Greet(c);
  c.C("AUTH PLAIN AHVzZXJwbGFpbgBzM2NyZXRwbGFpbg==\r\n");  // \0userplain\0s3cretplain
  c.S("535 5.7.8 failed\r\n");
  c.C("AUTH LOGIN\r\n");
  c.S("334 VXNlcm5hbWU6\r\n");
  c.C("dXNlcmxvZ2lu\r\n");  // userlogin
  c.S("334 UGFzc3dvcmQ6\r\n");
  c.C("czNjcmV0bG9naW4=\r\n");  // s3cretlogin
  c.S("235 2.7.0 ok\r\n");
  Send(c, "a@x", "b@y", kMessage);
  c.Close();
  const auto& s = c.Session();
  EXPECT_EQ(s.auth_mechanism, "LOGIN");
  EXPECT_EQ(s.commands, 6u);  // EHLO AUTH AUTH MAIL RCPT DATA: SASL lines are not commands
  EXPECT_EQ(c.counters.auth_lines, 2u);
  EXPECT_EQ(c.sink.messages.size(), 1u) << "commands after AUTH are parsed again";
  const std::string all = c.sink.AllJson();
  for (const char* secret : {"AHVzZXJwbGFpbgBzM2NyZXRwbGFpbg", "userplain", "s3cretplain", "dXNlcmxvZ2lu",
                             "czNjcmV0bG9naW4", "userlogin", "s3cretlogin"}) {
    EXPECT_EQ(all.find(secret), std::string::npos) << secret;
  }
  EXPECT_TRUE(s.anomalies.empty());
}

TEST(SmtpParserTest, RsetDropsTheTransaction) {
  Conv c;
  Greet(c);
  c.C("MAIL FROM:<first@x>\r\nRCPT TO:<one@y>\r\nRSET\r\n");
  c.S("250 ok\r\n250 ok\r\n250 reset\r\n");
  Send(c, "second@x", "two@y", kMessage);
  c.Close();
  ASSERT_EQ(c.sink.messages.size(), 1u);
  EXPECT_EQ(c.sink.messages[0].mail_from, "second@x");
  EXPECT_EQ(c.sink.messages[0].rcpt_to, std::vector<std::string>{"two@y"});
}

TEST(SmtpParserTest, SeveralMessagesInOneSession) {
  Conv c;
  Greet(c);
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; i++) {
    bodies.push_back("Message-ID: <m" + std::to_string(i) + "@x>\r\nSubject: n" + std::to_string(i) +
                     "\r\n\r\n" + std::string(100 * (i + 1), 'a' + i) + "\r\n");
    Send(c, "s" + std::to_string(i) + "@x", "r" + std::to_string(i) + "@y", bodies.back());
  }
  c.Close();
  ASSERT_EQ(c.sink.messages.size(), 3u);
  for (int i = 0; i < 3; i++) {
    const auto& m = c.sink.messages[i];
    EXPECT_EQ(m.message_id, "<m" + std::to_string(i) + "@x>");
    EXPECT_EQ(m.subject, "n" + std::to_string(i));
    EXPECT_EQ(m.mail_from, "s" + std::to_string(i) + "@x");
    EXPECT_EQ(m.size, bodies[i].size());
    EXPECT_EQ(m.sha256, Hash(bodies[i]));
  }
  EXPECT_EQ(c.Session().messages, 3u);
}

TEST(SmtpParserTest, FiveHundredRcptsAreCountedAndTheKeptOnesBounded) {
  SmtpLimits limits;
  limits.max_rcpts_kept = 100;
  Conv c(limits);
  Greet(c);
  std::string cmds = "MAIL FROM:<bot@x>\r\n", replies = "250 ok\r\n";
  for (int i = 0; i < 500; i++) {
    cmds += "RCPT TO:<victim" + std::to_string(i) + "@example.net>\r\n";
    replies += "250 ok\r\n";
  }
  c.C(cmds + "DATA\r\n");
  c.S(replies + "354 go\r\n");
  c.C("Subject: spam\r\n\r\nbuy\r\n.\r\n");
  c.S("250 queued\r\n");
  c.Close();
  ASSERT_EQ(c.sink.messages.size(), 1u);
  const auto& m = c.sink.messages[0];
  EXPECT_EQ(m.rcpt_count, 500u);
  ASSERT_EQ(m.rcpt_to.size(), 100u);
  EXPECT_EQ(m.rcpt_to.back(), "victim99@example.net");
  EXPECT_EQ(m.final_reply, 250);
  EXPECT_EQ(c.counters.rcpts_not_kept, 400u);
  EXPECT_EQ(c.counters.unmatched_replies, 0u);
  EXPECT_EQ(c.Session().anomalies, std::vector<std::string>{"too_many_rcpts"});
}

TEST(SmtpParserTest, PendingCommandsAreBounded) {
  SmtpLimits limits;
  limits.max_pending = 16;
  Conv c(limits);
  Greet(c);
  for (int i = 0; i < 1000; i++) c.C("NOOP\r\n");  // never answered
  EXPECT_EQ(c.counters.pending_overflow, 1000u - 16u);
  EXPECT_LE(c.session.BufferedBytes(), 4096u);
}

TEST(SmtpParserTest, OverlongLinesAreTruncatedAndCounted) {
  Conv c;
  Greet(c);
  c.C("MAIL FROM:<" + std::string(100000, 'x') + "@x>\r\n");
  c.S("500 5.5.0 line too long\r\n" + std::string("250-") + std::string(5000, 'r') + "\r\n250 ok\r\n");
  EXPECT_EQ(c.counters.command_lines_too_long, 1u);
  EXPECT_EQ(c.counters.reply_lines_too_long, 1u);
  EXPECT_LE(c.session.BufferedBytes(), 4096u);
  c.C("DATA\r\n");
  c.C(std::string(5000, 'y') + "\r\n.\r\n");
  c.S("354 go\r\n250 ok\r\n");
  c.Close();
  EXPECT_EQ(c.counters.text_lines_too_long, 1u);
  const auto& a = c.Session().anomalies;
  for (const char* want : {"command_line_too_long", "reply_line_too_long", "text_line_too_long"})
    EXPECT_NE(std::find(a.begin(), a.end(), want), a.end()) << want;
}

uint64_t Lcg(uint64_t* s) { return *s = *s * 6364136223846793005ull + 1442695040888963407ull; }

TEST(SmtpParserTest, BinaryGarbageIsBoundedAndCounted) {
  SmtpLimits limits;
  Conv c(limits);
  c.S("220 mx\r\n");
  uint64_t seed = 7;
  size_t peak = 0;
  for (int round = 0; round < 256; round++) {
    std::string junk(4096, '\0');
    for (char& ch : junk) ch = static_cast<char>(Lcg(&seed) >> 56);
    (round % 2 ? c.S(junk) : c.C(junk));
    peak = std::max(peak, c.session.BufferedBytes());
  }
  c.Close();
  EXPECT_GT(c.counters.binary_lines, 0u);
  EXPECT_GT(c.counters.bad_replies, 0u);
  // The line, the FIFO, a header block and a hold at most.
  EXPECT_LE(peak, limits.max_command_line + limits.max_pending + limits.max_header_bytes + limits.max_hold + 8192u);
  ASSERT_EQ(c.sink.sessions.size(), 1u);
  EXPECT_LE(c.Session().anomalies.size(), 20u);
}

TEST(SmtpParserTest, DataThatNeverEndsIsStreamedInBoundedMemory) {
  Conv c;
  Greet(c);
  c.C("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
  c.S("250 ok\r\n250 ok\r\n354 go\r\n");
  std::string chunk;
  while (chunk.size() < 65536) chunk += "Subject: more and more and more\r\n";
  Sha256 expect;
  uint64_t sent = 0;
  size_t peak = 0;
  for (int i = 0; i < 800; i++) {  // 52 MB
    c.C(chunk);
    expect.Update(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size());
    sent += chunk.size();
    peak = std::max(peak, c.session.BufferedBytes());
  }
  c.Close();
  EXPECT_LE(peak, 64u * 1024);
  ASSERT_EQ(c.sink.messages.size(), 1u);
  const auto& m = c.sink.messages[0];
  EXPECT_FALSE(m.complete);
  EXPECT_EQ(m.final_reply, 0);
  EXPECT_EQ(m.size, sent);
  EXPECT_EQ(m.sha256, expect.FinalHex());
  EXPECT_EQ(m.subject, "more and more and more") << "the first of the header lines";
  EXPECT_EQ(c.counters.data_unterminated, 1u);
  EXPECT_EQ(c.counters.headers_truncated, 1u);
  const auto& a = c.Session().anomalies;
  EXPECT_NE(std::find(a.begin(), a.end(), "data_unterminated"), a.end());
}

TEST(SmtpParserTest, BareLfEndsDataAsPostfixDoes) {
  Conv c;
  Greet(c);
  c.C("MAIL FROM:<a@x>\nRCPT TO:<b@y>\nDATA\n");
  c.S("250 ok\r\n250 ok\r\n354 go\r\n");
  c.C("Subject: lf\n\n..x\n.\n");
  c.S("250 ok\r\n");
  ASSERT_EQ(c.sink.messages.size(), 1u);
  EXPECT_EQ(c.sink.messages[0].sha256, Hash("Subject: lf\n\n.x\n"));
  EXPECT_EQ(c.sink.messages[0].subject, "lf");
}

TEST(SmtpParserTest, ClientBeforeGreetingIsAnAnomaly) {
  Conv c;
  c.C("EHLO bot\r\n");
  c.S("220 mx\r\n250 mx\r\n");
  c.Close();
  EXPECT_EQ(c.Session().anomalies, std::vector<std::string>{"client_before_greeting"});
  EXPECT_EQ(c.counters.unmatched_replies, 0u);
}

TEST(SmtpParserTest, TooMuchBeforeTheReplyToDataIsTakenAsTheMessage) {
  SmtpLimits limits;
  limits.max_hold = 1024;
  Conv c(limits);
  Greet(c);
  c.C("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
  const std::string body = "Subject: early\r\n\r\n" + std::string(3000, 'z') + "\r\n";
  c.C(fixtures::DotStuff(body));
  c.S("250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n");
  ASSERT_EQ(c.sink.messages.size(), 1u);
  EXPECT_EQ(c.sink.messages[0].sha256, Hash(body));
  EXPECT_EQ(c.sink.messages[0].final_reply, 250);
  EXPECT_EQ(c.counters.data_before_reply, 1u);
}

TEST(SmtpParserTest, AGapInTheDataMakesTheMessageIncomplete) {
  Conv c;
  Greet(c);
  c.C("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
  c.S("250 ok\r\n250 ok\r\n354 go\r\n");
  c.C("Subject: g\r\n\r\nfirst part");
  c.session.Gap(true, 1400, c.ts += 0.01);
  c.C("last part\r\n.\r\n");
  c.S("250 queued\r\n");
  ASSERT_EQ(c.sink.messages.size(), 1u);
  EXPECT_FALSE(c.sink.messages[0].complete);
  EXPECT_EQ(c.sink.messages[0].final_reply, 250);
  EXPECT_EQ(c.counters.gap_bytes, 1400u);
}

TEST(SmtpParserTest, MidstreamPickupFlagsTheSessionNotItsReplies) {
  Conv c(SmtpLimits{}, /*midstream=*/true);
  c.S("250 ok\r\n");  // to a command sent before we looked
  c.C("QUIT\r\n");
  c.S("221 bye\r\n");
  c.Close();
  EXPECT_TRUE(c.Session().midstream);
  EXPECT_TRUE(c.Session().anomalies.empty());
  EXPECT_EQ(c.counters.unmatched_replies, 1u);
}

TEST(SmtpParserTest, NoBytesNoSessionEventAndCloseOnce) {
  Conv c;
  c.Close();
  c.Close();
  EXPECT_TRUE(c.sink.sessions.empty());
  Conv d;
  d.S("220 mx\r\n");
  d.Close();
  d.Close();
  EXPECT_EQ(d.sink.sessions.size(), 1u);
}

}  // namespace
}  // namespace spamwall::smtp

namespace spamwall::smtp {
namespace {

// Message events come in the order their data ended, each once its reply
// is in: an aborted message does not overtake one still waiting.
TEST(SmtpParserTest, MessagesAreEmittedInTheOrderTheirDataEnded) {
  Conv c;
  Greet(c);
  c.C("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
  c.S("250 ok\r\n250 ok\r\n354 go\r\n");
  c.C(fixtures::DotStuff(kMessage) + "MAIL FROM:<second@x>\r\nRCPT TO:<c@y>\r\nBDAT 3\r\nabcRSET\r\n");
  EXPECT_TRUE(c.sink.messages.empty());
  c.S("250 queued\r\n250 ok\r\n250 ok\r\n250 chunk\r\n250 reset\r\n");
  ASSERT_EQ(c.sink.messages.size(), 2u);
  EXPECT_EQ(c.sink.messages[0].mail_from, "a@x");
  EXPECT_EQ(c.sink.messages[0].final_reply, 250);
  EXPECT_TRUE(c.sink.messages[0].complete);
  EXPECT_EQ(c.sink.messages[1].mail_from, "second@x");
  EXPECT_EQ(c.sink.messages[1].size, 3u);
  EXPECT_FALSE(c.sink.messages[1].complete);
  EXPECT_EQ(c.sink.messages[1].final_reply, 0);
}

}  // namespace
}  // namespace spamwall::smtp

namespace spamwall::smtp {
namespace {

// RFC 3030 forbids DATA after BDAT chunks without LAST; if it comes, the
// open BDAT message ends incomplete and the DATA one is a message of its own.
TEST(SmtpParserTest, DataAfterAnOpenBdatEndsTheBdatMessage) {
  Conv c;
  Greet(c);
  c.C("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 4\r\nabcdDATA\r\n");
  c.S("250 ok\r\n250 ok\r\n250 chunk\r\n354 go\r\n");
  c.C("Subject: d\r\n\r\nx\r\n.\r\n");
  c.S("250 queued\r\n");
  ASSERT_EQ(c.sink.messages.size(), 2u);
  EXPECT_EQ(c.sink.messages[0].data_mode, DataMode::kBdat);
  EXPECT_EQ(c.sink.messages[0].size, 4u);
  EXPECT_FALSE(c.sink.messages[0].complete);
  EXPECT_EQ(c.sink.messages[1].data_mode, DataMode::kData);
  EXPECT_EQ(c.sink.messages[1].sha256, Hash("Subject: d\r\n\r\nx\r\n"));
  EXPECT_EQ(c.sink.messages[1].final_reply, 250);
  EXPECT_EQ(c.sink.starts, 2);
  EXPECT_EQ(c.sink.ends, 2);
}

}  // namespace
}  // namespace spamwall::smtp
