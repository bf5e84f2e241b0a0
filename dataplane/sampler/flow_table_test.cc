#include "dataplane/sampler/flow_table.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "dataplane/core/packet_parse.h"
#include "dataplane/smtp/sha256.h"

namespace spamwall::sampler {
namespace {

struct Recorder : smtp::SmtpEventSink {
  std::vector<smtp::SmtpSessionEvent> sessions;
  std::vector<smtp::SmtpMessageEvent> messages;
  void OnSession(const smtp::SmtpSessionEvent& e) override { sessions.push_back(e); }
  void OnMessage(const smtp::SmtpMessageEvent& e) override { messages.push_back(e); }
};

// Client 100.64.x.y:cport, server 192.0.2.25:sport.
TcpSegmentView Seg(uint32_t client, uint16_t cport, uint16_t sport, bool from_client, uint8_t flags,
                   uint32_t seq, const std::string* payload = nullptr) {
  TcpSegmentView s;
  s.l3 = SW_L3_IPV4;
  uint8_t c[4] = {100, static_cast<uint8_t>(64 + (client >> 16 & 63)), static_cast<uint8_t>(client >> 8),
                  static_cast<uint8_t>(client)};
  uint8_t v[4] = {192, 0, 2, 25};
  std::memcpy(from_client ? s.src : s.dst, c, 4);
  std::memcpy(from_client ? s.dst : s.src, v, 4);
  s.sport = from_client ? cport : sport;
  s.dport = from_client ? sport : cport;
  s.flags = flags;
  s.seq = seq;
  if (payload) {
    s.payload = reinterpret_cast<const uint8_t*>(payload->data());
    s.payload_len = s.wire_payload_len = static_cast<uint32_t>(payload->size());
  }
  return s;
}

// Opens a flow with a greeting from the server: a session event when closed.
void Open(FlowTable& t, uint32_t client, uint16_t cport, double ts) {
  static const std::string greeting = "220 mx ESMTP\r\n";
  t.OnSegment(Seg(client, cport, 25, true, kTcpSyn, 100), ts);
  t.OnSegment(Seg(client, cport, 25, false, kTcpSyn | kTcpAck, 900), ts);
  t.OnSegment(Seg(client, cport, 25, false, kTcpAck | kTcpPsh, 901, &greeting), ts);
}

TEST(FlowTableTest, BothDirectionsAreOneFlowAndTheSynSenderIsTheClient) {
  Recorder sink;
  FlowTable t({}, &sink);
  Open(t, 7, 40000, 1.0);
  const std::string ehlo = "EHLO pc\r\n", reply = "250 mx\r\n";
  t.OnSegment(Seg(7, 40000, 25, true, kTcpAck | kTcpPsh, 101, &ehlo), 1.1);
  t.OnSegment(Seg(7, 40000, 25, false, kTcpAck | kTcpPsh, 915, &reply), 1.2);
  EXPECT_EQ(t.active(), 1u);
  t.OnSegment(Seg(7, 40000, 25, true, kTcpAck | kTcpFin, 110), 1.3);
  EXPECT_EQ(t.active(), 1u) << "half-closed";
  t.OnSegment(Seg(7, 40000, 25, false, kTcpAck | kTcpFin, 923), 1.4);
  EXPECT_EQ(t.active(), 0u);
  ASSERT_EQ(sink.sessions.size(), 1u);
  const auto& s = sink.sessions[0];
  EXPECT_EQ(s.client.port, 40000);
  EXPECT_EQ(s.server.port, 25);
  EXPECT_EQ(smtp::EndpointIp(s.client), "100.64.0.7");
  EXPECT_EQ(smtp::EndpointIp(s.server), "192.0.2.25");
  EXPECT_EQ(s.ehlo_name, "pc");
  EXPECT_EQ(s.close_reason, "fin");
  EXPECT_FALSE(s.midstream);
  EXPECT_DOUBLE_EQ(s.ts_start, 1.0);
  EXPECT_DOUBLE_EQ(s.ts_end, 1.4);
  const auto& c = t.counters();
  EXPECT_EQ(c.flows_created, 1u);
  EXPECT_EQ(c.flows_closed, 1u);
  EXPECT_EQ(c.segments, 7u);
  EXPECT_EQ(c.reassembly.bytes_delivered, 14u + ehlo.size() + reply.size());
  EXPECT_EQ(c.smtp.sessions, 1u);
}

TEST(FlowTableTest, MidstreamPickupTakesTheMailPortAsTheServer) {
  Recorder sink;
  FlowTableConfig config;
  config.is_mail_port = [](uint16_t p) { return p == 2525; };
  FlowTable t(config, &sink);
  const std::string reply = "250 ok\r\n";
  // Seen first from the server (port 2525) to the client (port 1000, lower).
  t.OnSegment(Seg(9, 1000, 2525, false, kTcpAck | kTcpPsh, 5000, &reply), 2.0);
  // Neither port a mail port: the higher one is the client's.
  t.OnSegment(Seg(10, 50000, 26, true, kTcpAck | kTcpPsh, 7000, &reply), 2.0);
  t.CloseAll(3.0);
  ASSERT_EQ(sink.sessions.size(), 2u);
  EXPECT_EQ(sink.sessions[0].client.port, 1000);
  EXPECT_EQ(sink.sessions[0].server.port, 2525);
  EXPECT_TRUE(sink.sessions[0].midstream);
  EXPECT_EQ(sink.sessions[1].client.port, 50000);
  EXPECT_EQ(sink.sessions[0].close_reason, "shutdown");
  EXPECT_EQ(t.counters().flows_midstream, 2u);
}

TEST(FlowTableTest, SegmentsThatCannotStartAFlowAreIgnored) {
  Recorder sink;
  FlowTable t({}, &sink);
  t.OnSegment(Seg(1, 40000, 25, true, kTcpAck, 1), 1);
  t.OnSegment(Seg(1, 40000, 25, true, kTcpRst, 1), 1);
  t.OnSegment(Seg(1, 40000, 25, true, kTcpAck | kTcpFin, 1), 1);
  EXPECT_EQ(t.active(), 0u);
  EXPECT_EQ(t.counters().segments_ignored, 3u);
}

TEST(FlowTableTest, RstClosesTheFlow) {
  Recorder sink;
  FlowTable t({}, &sink);
  Open(t, 1, 40000, 1);
  t.OnSegment(Seg(1, 40000, 25, true, kTcpRst, 101), 2);
  EXPECT_EQ(t.active(), 0u);
  ASSERT_EQ(sink.sessions.size(), 1u);
  EXPECT_EQ(sink.sessions[0].close_reason, "rst");
}

TEST(FlowTableTest, IdleFlowsTimeOut) {
  Recorder sink;
  FlowTableConfig config;
  config.idle_timeout = 60;
  FlowTable t(config, &sink);
  Open(t, 1, 40001, 100);
  Open(t, 2, 40002, 130);
  t.Expire(159.9);
  EXPECT_EQ(t.active(), 2u);
  t.Expire(160);
  EXPECT_EQ(t.active(), 1u);
  EXPECT_EQ(t.counters().flows_timed_out, 1u);
  ASSERT_EQ(sink.sessions.size(), 1u);
  EXPECT_EQ(sink.sessions[0].client.port, 40001);
  EXPECT_EQ(sink.sessions[0].close_reason, "timeout");
  t.Expire(1000);
  EXPECT_EQ(t.active(), 0u);
  EXPECT_EQ(t.counters().flows_timed_out, 2u);
}

TEST(FlowTableTest, AFullTableEvictsTheFlowIdleLongest) {
  Recorder sink;
  FlowTableConfig config;
  config.capacity = 4;
  FlowTable t(config, &sink);
  for (uint16_t i = 0; i < 4; i++) Open(t, 1, 40000 + i, 10 + i);
  const std::string noop = "NOOP\r\n";
  t.OnSegment(Seg(1, 40000, 25, true, kTcpAck | kTcpPsh, 101, &noop), 20);  // 40000 is busy again
  Open(t, 1, 40004, 21);
  EXPECT_EQ(t.active(), 4u);
  EXPECT_EQ(t.counters().flows_evicted, 1u);
  ASSERT_EQ(sink.sessions.size(), 1u);
  EXPECT_EQ(sink.sessions[0].client.port, 40001);
  EXPECT_EQ(sink.sessions[0].close_reason, "evicted");
  // The survivors are still found: their next segment makes no new flow.
  t.OnSegment(Seg(1, 40000, 25, true, kTcpAck | kTcpPsh, 107, &noop), 22);
  EXPECT_EQ(t.counters().flows_created, 5u);
}

TEST(FlowTableTest, ANewSynOnALiveTupleStartsANewFlow) {
  Recorder sink;
  FlowTable t({}, &sink);
  Open(t, 1, 40000, 1);
  t.OnSegment(Seg(1, 40000, 25, true, kTcpSyn, 100), 2);  // retransmitted SYN: same flow
  EXPECT_EQ(t.counters().flows_reused, 0u);
  t.OnSegment(Seg(1, 40000, 25, true, kTcpSyn, 77777), 3);
  EXPECT_EQ(t.counters().flows_reused, 1u);
  EXPECT_EQ(t.counters().flows_created, 2u);
  EXPECT_EQ(t.active(), 1u);
  ASSERT_EQ(sink.sessions.size(), 1u);
  EXPECT_EQ(sink.sessions[0].close_reason, "reused");
}

// One sink hears every flow; the uid in the stream callbacks and in the
// events tells interleaved sessions apart.
TEST(FlowTableTest, InterleavedSessionsAreToldApartByUid) {
  struct Streams : Recorder {
    std::map<uint64_t, std::string> bytes;
    std::vector<uint64_t> ended;
    void OnStreamStart(uint64_t uid) override { bytes[uid].clear(); }
    void OnStreamBytes(uint64_t uid, const uint8_t* p, size_t n) override {
      bytes[uid].append(reinterpret_cast<const char*>(p), n);
    }
    void OnStreamEnd(uint64_t uid) override { ended.push_back(uid); }
  } sink;
  FlowTable t({}, &sink);
  Open(t, 1, 40001, 1);
  Open(t, 2, 40002, 1);
  const std::string cmds = "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n", go = "250 ok\r\n250 ok\r\n354 go\r\n";
  const std::string body[2] = {"Subject: one\r\n\r\nfirst\r\n", "Subject: two\r\n\r\nsecond, longer\r\n"};
  uint32_t cseq[2] = {101, 101}, sseq[2] = {915, 915};
  auto client = [&](int k, const std::string& s) {
    t.OnSegment(Seg(k + 1, 40001 + k, 25, true, kTcpAck | kTcpPsh, cseq[k], &s), 2);
    cseq[k] += s.size();
  };
  auto server = [&](int k, const std::string& s) {
    t.OnSegment(Seg(k + 1, 40001 + k, 25, false, kTcpAck | kTcpPsh, sseq[k], &s), 2);
    sseq[k] += s.size();
  };
  for (int k = 0; k < 2; k++) client(k, cmds);
  for (int k = 0; k < 2; k++) server(k, go);
  const std::string half[2] = {body[0].substr(0, 9), body[1].substr(0, 9)};
  client(1, half[1]);
  client(0, half[0]);
  client(0, body[0].substr(9) + ".\r\n");
  client(1, body[1].substr(9) + ".\r\n");
  server(1, "250 queued\r\n");
  server(0, "250 queued\r\n");
  ASSERT_EQ(sink.messages.size(), 2u);
  for (const auto& m : sink.messages) {
    const int k = m.client.port - 40001;
    EXPECT_EQ(m.uid, static_cast<uint64_t>(k + 1)) << "uids in creation order";
    EXPECT_EQ(sink.bytes[m.uid], body[k]);
    EXPECT_EQ(m.sha256, smtp::Sha256::Hex(reinterpret_cast<const uint8_t*>(body[k].data()), body[k].size()));
  }
  EXPECT_EQ(sink.ended, (std::vector<uint64_t>{1, 2}));
  t.CloseAll(3);
  ASSERT_EQ(sink.sessions.size(), 2u);
  for (const auto& s : sink.sessions) EXPECT_EQ(s.uid, static_cast<uint64_t>(s.client.port - 40000));
}

// A million SYNs from distinct ports and addresses: the table holds its
// capacity, evicts the rest (counted), and nothing else grows.
TEST(FlowTableTest, AMillionSynFloodKeepsTheTableBounded) {
  Recorder sink;
  FlowTableConfig config;  // 65,536 flows
  FlowTable t(config, &sink);
  const uint32_t kSyns = 1000000;
  for (uint32_t i = 0; i < kSyns; i++) {
    t.OnSegment(Seg(i >> 14, static_cast<uint16_t>(1024 + (i & 16383)), 25, true, kTcpSyn, i), i * 1e-6);
    if (i % 100000 == 0) t.Expire(i * 1e-6);
  }
  const auto& c = t.counters();
  EXPECT_EQ(t.capacity(), config.capacity);
  EXPECT_EQ(t.active(), config.capacity);
  EXPECT_EQ(c.flows_created, kSyns);
  EXPECT_EQ(c.flows_evicted, kSyns - config.capacity);
  EXPECT_EQ(c.flows_active, config.capacity);
  EXPECT_EQ(c.reassembly.ooo_bytes_now, 0u);
  EXPECT_TRUE(sink.sessions.empty()) << "a flow without payload is no SMTP session";
  t.CloseAll(2);
  EXPECT_EQ(t.active(), 0u);
}

}  // namespace
}  // namespace spamwall::sampler
