// The sampler's stream scans: a signature split across TCP segments
// matches (through reassembly and the SMTP parser, as the sampler feeds
// them), interleaved messages keep their own streams, a message keeps the
// database it began with across a generation change, and every bound
// flags the message and is counted.
#include "dataplane/sampler/stream_scans.h"

#include <gtest/gtest.h>

#include "dataplane/sampler/flow_table.h"
#include "dataplane/signatures/compiler.h"
#include "dataplane/signatures/signature_file.h"
#include "tests/fixtures/tcp_conversation.h"

namespace spamwall::sampler {
namespace {

constexpr char kGtube[] = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

std::shared_ptr<const signatures::Database> Build(std::string_view text) {
  signatures::ParseResult p = signatures::ParseSignatureText(text, "t.sigs");
  EXPECT_TRUE(p.ok()) << (p.errors.empty() ? "" : p.errors[0]);
  signatures::CompileResult c = signatures::Compile(std::move(p.signatures));
  EXPECT_TRUE(c.ok()) << (c.errors.empty() ? "" : c.errors[0]);
  return std::move(c.db);
}

const char kSigs[] =
    "GTUBE spam 1000 raw \"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\"\n"
    "EXE malware 6 raw /Content-Type:\\s*application\\/x-msdownload/i\n"
    "REPEAT spam 2.5 body /(\\b\\w{4,}\\b) \\1 \\1/\n";  // a back-reference: prefiltered, PCRE2 confirms

std::vector<std::string> Ids(const smtp::SmtpMessageEvent& m) {
  std::vector<std::string> ids;
  for (const auto& h : m.hits) ids.push_back(h.id);
  return ids;
}

void Feed(StreamScans& s, uint64_t uid, std::string_view bytes) {
  s.Bytes(uid, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// What the sampler is, less DPDK: the flow table's sink feeding the scans.
struct ScanningSink : smtp::SmtpEventSink {
  explicit ScanningSink(const ScanLimits& l = {}) : scans(l) {}
  StreamScans scans;
  std::vector<smtp::SmtpMessageEvent> messages;
  void OnSession(const smtp::SmtpSessionEvent&) override {}
  void OnMessage(const smtp::SmtpMessageEvent& e) override { messages.push_back(e); }
  void OnStreamStart(uint64_t uid) override { scans.Start(uid); }
  void OnStreamBytes(uint64_t uid, const uint8_t* p, size_t n) override { scans.Bytes(uid, p, n); }
  void OnStreamDone(uint64_t uid, smtp::SmtpMessageEvent& m) override { scans.End(uid, m); }
};

TEST(StreamScans, GtubeSplitAcrossTwoSegmentsMatches) {
  ScanningSink sink;
  sink.scans.Use(Build(kSigs));
  const std::string message = std::string("Subject: test\r\n\r\nbefore ") + kGtube + " after\r\n";
  const std::string data = fixtures::DotStuff(message);
  const size_t cut = data.find("GTUBE-STANDARD");  // the segment boundary falls inside GTUBE
  ASSERT_NE(cut, std::string::npos);

  fixtures::TcpEnd client, server;
  client.addr = {100, 64, 0, 7};
  client.port = 40000;
  server.addr = {198, 51, 100, 10};
  server.port = 587;
  fixtures::TcpConversation c(client, server);
  c.Handshake();
  c.Send(false, "220 relay.example.net ESMTP\r\n");
  c.Send(true, "EHLO pc.example.org\r\n");
  c.Send(false, "250 relay.example.net\r\n");
  c.Send(true, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
  c.Send(false, "250 Ok\r\n250 Ok\r\n354 go ahead\r\n");
  c.Send(true, data.substr(0, cut));
  c.Send(true, data.substr(cut));
  c.Send(false, "250 2.0.0 Ok: queued\r\n");
  c.Fin();

  FlowTable table({}, &sink);
  for (const auto& f : c.frames()) {
    TcpSegmentView s;
    ASSERT_EQ(ParseTcpSegment(f.data(), f.size(), f.size(), &s), SegmentError::kNone);
    table.OnSegment(s, 1);
  }
  ASSERT_EQ(sink.messages.size(), 1u);
  const smtp::SmtpMessageEvent& m = sink.messages[0];
  ASSERT_EQ(m.hits.size(), 1u);
  EXPECT_EQ(m.hits[0], (smtp::SignatureHit{"GTUBE", "spam", 1000}));
  EXPECT_FALSE(m.hits_truncated);
  EXPECT_EQ(sink.scans.counters().messages, 1u);
  EXPECT_EQ(sink.scans.counters().bytes, message.size());
  EXPECT_EQ(sink.scans.counters().hits, 1u);
  EXPECT_EQ(sink.scans.in_flight(), 0u);
}

TEST(StreamScans, InterleavedMessagesKeepTheirStreamsAndConfirm) {
  StreamScans s;
  s.Use(Build(kSigs));
  s.Start(1);
  s.Start(2);
  Feed(s, 1, "Subject: a\r\n\r\nhello hello hel");
  Feed(s, 2, "Content-Type:  applic");
  Feed(s, 1, "lo\r\n");  // "hello hello hello": the back-reference, confirmed by PCRE2
  Feed(s, 2, "ation/x-msdownload\r\n\r\nhello hello\r\n");
  smtp::SmtpMessageEvent one, two;
  s.End(2, two);
  s.End(1, one);
  EXPECT_EQ(Ids(one), std::vector<std::string>{"REPEAT"});
  EXPECT_EQ(Ids(two), std::vector<std::string>{"EXE"});
  EXPECT_EQ(two.hits[0].cls, "malware");
  EXPECT_GE(s.counters().confirmations, 1u);
  EXPECT_EQ(s.counters().messages_hit, 2u);
  EXPECT_EQ(s.buffered_bytes(), 0u);
}

TEST(StreamScans, AMessageKeepsItsDatabaseAcrossAGenerationChange) {
  StreamScans s;
  std::shared_ptr<const signatures::Database> a = Build("OLD spam 1 raw \"old words\"\n");
  std::weak_ptr<const signatures::Database> a_alive = a;
  s.Use(a);
  s.Start(7);
  Feed(s, 7, "old ");
  s.Use(Build("NEW spam 1 raw \"new words\"\n"));  // the next generation
  a.reset();                                        // and the old one retired
  EXPECT_FALSE(a_alive.expired()) << "the message in flight holds it";
  Feed(s, 7, "words, new words\r\n");
  smtp::SmtpMessageEvent m;
  s.End(7, m);
  EXPECT_EQ(Ids(m), std::vector<std::string>{"OLD"});
  EXPECT_TRUE(a_alive.expired()) << "freed with its last message";
  s.Start(8);
  Feed(s, 8, "old words, new words\r\n");
  smtp::SmtpMessageEvent next;
  s.End(8, next);
  EXPECT_EQ(Ids(next), std::vector<std::string>{"NEW"});
  EXPECT_EQ(s.counters().databases, 2u);

  s.Use(nullptr);  // a policy without signatures: nothing is tracked
  s.Start(9);
  Feed(s, 9, "new words");
  smtp::SmtpMessageEvent none;
  s.End(9, none);
  EXPECT_TRUE(none.hits.empty());
  EXPECT_FALSE(none.hits_truncated);
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(StreamScans, BoundsFlagTheMessage) {
  ScanLimits limits;
  limits.max_message_bytes = 16;
  limits.max_streams = 1;
  StreamScans s(limits);
  s.Use(Build(kSigs));
  s.Start(1);
  s.Start(2);  // over max_streams: not scanned
  Feed(s, 1, "0123456789");
  Feed(s, 1, std::string("abcdef ") + kGtube);  // past the 16 bytes scanned
  Feed(s, 2, kGtube);
  smtp::SmtpMessageEvent one, two;
  s.End(1, one);
  s.End(2, two);
  EXPECT_TRUE(one.hits.empty());
  EXPECT_TRUE(one.hits_truncated);
  EXPECT_TRUE(two.hits.empty());
  EXPECT_TRUE(two.hits_truncated);
  EXPECT_EQ(s.counters().truncated, 1u);
  EXPECT_EQ(s.counters().no_stream, 1u);
  EXPECT_EQ(s.counters().bytes, 16u);

  ScanLimits small;
  small.max_buffered_bytes = 8;  // confirmations' budget, all messages together
  StreamScans b(small);
  b.Use(Build(kSigs));
  b.Start(3);
  Feed(b, 3, "0123456789");
  smtp::SmtpMessageEvent three;
  b.End(3, three);
  EXPECT_TRUE(three.hits_truncated);
  EXPECT_EQ(b.counters().buffer_full, 1u);
}

}  // namespace
}  // namespace spamwall::sampler
