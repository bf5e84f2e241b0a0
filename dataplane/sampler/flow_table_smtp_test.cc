// End to end: a whole SMTP conversation as Ethernet frames (both
// directions, one segment out of order, one retransmitted), read by
// ParseTcpSegment and fed to the flow table; every event field is checked
// against what the two ends sent.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/core/packet_parse.h"
#include "dataplane/sampler/flow_table.h"
#include "dataplane/smtp/sha256.h"
#include "tests/fixtures/frame_builder.h"
#include "tests/fixtures/tcp_conversation.h"

namespace spamwall::sampler {
namespace {

using fixtures::FrameSpec;
using fixtures::L3Kind;
using fixtures::L4Kind;

struct Recorder : smtp::SmtpEventSink {
  std::vector<smtp::SmtpSessionEvent> sessions;
  std::vector<smtp::SmtpMessageEvent> messages;
  void OnSession(const smtp::SmtpSessionEvent& e) override { sessions.push_back(e); }
  void OnMessage(const smtp::SmtpMessageEvent& e) override { messages.push_back(e); }
};

// Both ends of one TCP connection, writing frames in the order they would
// be captured; each frame's capture time is its index in milliseconds.
struct Wire {
  explicit Wire(L3Kind kind) : l3(kind) {}
  L3Kind l3;
  uint32_t cseq = 0xfffffc00;  // the client's numbers wrap during the message
  uint32_t sseq = 7000;
  std::vector<std::vector<uint8_t>> frames;

  FrameSpec Spec(bool from_client, uint8_t flags, uint32_t seq, const std::string& payload) const {
    FrameSpec f;
    f.l3 = l3;
    const std::array<uint8_t, 4> c4 = {100, 64, 0, 7}, s4 = {192, 0, 2, 25};
    const std::array<uint8_t, 16> c6 = {0x20, 0x01, 0x0d, 0xb8, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
    const std::array<uint8_t, 16> s6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x25};
    f.ipv4.src = from_client ? c4 : s4;
    f.ipv4.dst = from_client ? s4 : c4;
    f.ipv6.src = from_client ? c6 : s6;
    f.ipv6.dst = from_client ? s6 : c6;
    f.l4 = L4Kind::kTcp;
    f.tcp.sport = from_client ? 40000 : 587;
    f.tcp.dport = from_client ? 587 : 40000;
    f.tcp.flags = flags;
    f.tcp.seq = seq;
    f.payload.assign(payload.begin(), payload.end());
    return f;
  }
  void Add(bool from_client, uint8_t flags, uint32_t seq, const std::string& payload = "") {
    frames.push_back(fixtures::BuildFrame(Spec(from_client, flags, seq, payload)));
  }
  double Now() const { return static_cast<double>(frames.size()) / 1000; }  // the next frame's time
  void Handshake() {
    Add(true, fixtures::kTcpSyn, cseq++);
    Add(false, fixtures::kTcpSyn | fixtures::kTcpAck, sseq++);
    Add(true, fixtures::kTcpAck, cseq);
  }
  // Sent in segments of at most `mss`; `reorder` swaps the 2nd and 3rd and
  // retransmits the 1st after them.
  void Send(bool from_client, const std::string& data, size_t mss = 1460, bool reorder = false) {
    uint32_t& seq = from_client ? cseq : sseq;
    std::vector<std::pair<uint32_t, std::string>> segs;
    for (size_t off = 0; off < data.size(); off += mss) {
      segs.push_back({seq, data.substr(off, mss)});
      seq += static_cast<uint32_t>(segs.back().second.size());
    }
    if (reorder && segs.size() >= 3) {
      std::swap(segs[1], segs[2]);
      segs.push_back(segs[0]);
    }
    for (const auto& [s, bytes] : segs) Add(from_client, fixtures::kTcpAck | fixtures::kTcpPsh, s, bytes);
  }
  void Fin() {
    Add(true, fixtures::kTcpAck | fixtures::kTcpFin, cseq++);
    Add(false, fixtures::kTcpAck | fixtures::kTcpFin, sseq++);
    Add(true, fixtures::kTcpAck, cseq);
  }
};

std::string Hash(const std::string& s) {
  return smtp::Sha256::Hex(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string Message() {
  std::string m =
      "Message-ID: <e2e.1@pc7.example.org>\r\n"
      "From: Alice Example <alice@example.org>\r\n"
      "To: bob@example.net\r\n"
      "Subject: quarterly\r\n"
      " report, folded\r\n"
      "X-Mailer: e2e-test 1.0\r\n"
      "\r\n";
  for (int i = 0; i < 120; i++) m += (i % 10 == 0 ? "." : "") + std::string("line ") + std::to_string(i) + " of the body\r\n";
  return m;
}

class FlowTableSmtpTest : public ::testing::TestWithParam<L3Kind> {};

TEST_P(FlowTableSmtpTest, AWholeConversationGivesEveryField) {
  Wire w(GetParam());
  const std::string first = Message();
  const std::string second = "Message-ID: <e2e.2@pc7.example.org>\r\nSubject: chunked\r\n\r\nsecond\r\n";

  w.Handshake();
  w.Send(false, "220 relay.example.net ESMTP\r\n");
  w.Send(true, "EHLO pc7.example.org\r\n");
  w.Send(false, "250-relay.example.net\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250 CHUNKING\r\n");
  w.Send(true, "AUTH PLAIN AGFsaWNlAGh1bnRlcjI=\r\n");
  w.Send(false, "235 2.7.0 Authentication successful\r\n");
  const double mail_ts = w.Now();
  w.Send(true, "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\n");
  w.Send(false, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
  w.Send(true, fixtures::DotStuff(first), 536, /*reorder=*/true);
  w.Send(false, "250 2.0.0 Ok: queued as 1A2B\r\n");
  const double mail2_ts = w.Now();
  w.Send(true, "MAIL FROM:<alice@example.org>\r\nRCPT TO:<dave@example.net>\r\nBDAT " +
                   std::to_string(second.size()) + " LAST\r\n" + second);
  w.Send(false, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as 3C4D\r\n");
  w.Send(true, "QUIT\r\n");
  w.Send(false, "221 2.0.0 Bye\r\n");
  w.Fin();

  Recorder sink;
  FlowTable table({}, &sink);
  for (size_t i = 0; i < w.frames.size(); i++) {
    TcpSegmentView s;
    const auto& f = w.frames[i];
    ASSERT_EQ(ParseTcpSegment(f.data(), f.size(), f.size(), &s), SegmentError::kNone);
    table.OnSegment(s, static_cast<double>(i) / 1000);
  }
  EXPECT_EQ(table.active(), 0u) << "closed by the FINs";
  EXPECT_EQ(table.counters().reassembly.retransmitted_segments, 1u);
  EXPECT_EQ(table.counters().reassembly.gaps, 0u);

  const std::string client_ip = GetParam() == L3Kind::kIpv4 ? "100.64.0.7" : "2001:db8:1000::7";
  const std::string server_ip = GetParam() == L3Kind::kIpv4 ? "192.0.2.25" : "2001:db8::25";
  ASSERT_EQ(sink.messages.size(), 2u);
  const auto& m = sink.messages[0];
  EXPECT_EQ(smtp::EndpointIp(m.client), client_ip);
  EXPECT_EQ(m.client.port, 40000);
  EXPECT_EQ(smtp::EndpointIp(m.server), server_ip);
  EXPECT_EQ(m.server.port, 587);
  EXPECT_DOUBLE_EQ(m.ts, mail_ts);
  EXPECT_EQ(m.subscriber, "");
  EXPECT_EQ(m.uid, 1u);
  EXPECT_EQ(m.mail_from, "alice@example.org");
  EXPECT_EQ(m.rcpt_to, (std::vector<std::string>{"bob@example.net", "carol@example.net"}));
  EXPECT_EQ(m.rcpt_count, 2u);
  EXPECT_EQ(m.final_reply, 250);
  EXPECT_EQ(m.message_id, "<e2e.1@pc7.example.org>");
  EXPECT_EQ(m.from, "Alice Example <alice@example.org>");
  EXPECT_EQ(m.subject, "quarterly report, folded");
  EXPECT_EQ(m.x_mailer, "e2e-test 1.0");
  EXPECT_EQ(m.data_mode, smtp::DataMode::kData);
  EXPECT_EQ(m.size, first.size());
  EXPECT_EQ(m.sha256, Hash(first));
  EXPECT_TRUE(m.complete);
  EXPECT_TRUE(m.hits.empty());

  const auto& b = sink.messages[1];
  EXPECT_DOUBLE_EQ(b.ts, mail2_ts);
  EXPECT_EQ(b.mail_from, "alice@example.org");
  EXPECT_EQ(b.rcpt_to, std::vector<std::string>{"dave@example.net"});
  EXPECT_EQ(b.final_reply, 250);
  EXPECT_EQ(b.message_id, "<e2e.2@pc7.example.org>");
  EXPECT_EQ(b.subject, "chunked");
  EXPECT_EQ(b.from, "");
  EXPECT_EQ(b.x_mailer, "");
  EXPECT_EQ(b.data_mode, smtp::DataMode::kBdat);
  EXPECT_EQ(b.size, second.size());
  EXPECT_EQ(b.sha256, Hash(second));
  EXPECT_TRUE(b.complete);

  ASSERT_EQ(sink.sessions.size(), 1u);
  const auto& s = sink.sessions[0];
  EXPECT_EQ(smtp::EndpointIp(s.client), client_ip);
  EXPECT_EQ(smtp::EndpointIp(s.server), server_ip);
  EXPECT_DOUBLE_EQ(s.ts_start, 0);
  EXPECT_DOUBLE_EQ(s.ts_end, static_cast<double>(w.frames.size() - 2) / 1000) << "the second FIN";
  EXPECT_EQ(s.helo_verb, "EHLO");
  EXPECT_EQ(s.ehlo_name, "pc7.example.org");
  EXPECT_EQ(s.auth_mechanism, "PLAIN");
  EXPECT_FALSE(s.starttls);
  EXPECT_TRUE(s.pipelined);
  EXPECT_FALSE(s.midstream);
  EXPECT_EQ(s.commands, 10u);  // EHLO AUTH MAIL RCPT RCPT DATA MAIL RCPT BDAT QUIT ("." is none)
  EXPECT_EQ(s.messages, 2u);
  EXPECT_EQ(s.reply_codes, (std::map<uint16_t, uint64_t>{{220, 1}, {250, 8}, {235, 1}, {354, 1}, {221, 1}}));
  EXPECT_TRUE(s.anomalies.empty());
  EXPECT_EQ(s.close_reason, "fin");
  EXPECT_EQ(s.uid, 1u);
  EXPECT_EQ(b.uid, 1u);

  // And as JSON lines.
  const auto j = nlohmann::json::parse(smtp::ToJsonLine(m));
  EXPECT_EQ(j["client"]["ip"], client_ip);
  EXPECT_EQ(j["sha256"], Hash(first));
  EXPECT_EQ(j["size"], first.size());
  EXPECT_EQ(smtp::ToJsonLine(s).find("aGh1bnRlcjI"), std::string::npos) << "no AUTH argument";
}

INSTANTIATE_TEST_SUITE_P(Families, FlowTableSmtpTest, ::testing::Values(L3Kind::kIpv4, L3Kind::kIpv6),
                         [](const auto& info) { return info.param == L3Kind::kIpv4 ? "Ipv4" : "Ipv6"; });

}  // namespace
}  // namespace spamwall::sampler
