#include "dataplane/sampler/tcp_reassembly.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dataplane/sampler/tcp_segment.h"

namespace spamwall::sampler {
namespace {

struct Out : ReassemblyOutput {
  std::string bytes;            // gaps written as '#' per lost byte (small tests only)
  std::vector<uint64_t> gaps;
  void OnBytes(bool, const uint8_t* p, size_t n, double) override {
    bytes.append(reinterpret_cast<const char*>(p), n);
  }
  void OnGap(bool, uint64_t n, double) override {
    gaps.push_back(n);
    bytes.append(n, '#');
  }
};

struct Dir {
  explicit Dir(ReassemblyLimits l = {}) : limits(l) { r.Reset(&out, true, &limits, &counters); }
  void Syn(uint32_t isn) { r.Segment(isn, kTcpSyn, nullptr, 0, 0); }
  void Data(uint32_t seq, const std::string& s, uint8_t flags = kTcpAck) {
    r.Segment(seq, flags, reinterpret_cast<const uint8_t*>(s.data()), static_cast<uint32_t>(s.size()), 0);
  }
  ReassemblyLimits limits;
  ReassemblyCounters counters;
  Out out;
  TcpReassembler r;
};

TEST(TcpReassemblyTest, InOrderFromTheSyn) {
  Dir d;
  d.Syn(1000);
  d.Data(1001, "abc");
  d.Data(1004, "def");
  EXPECT_EQ(d.out.bytes, "abcdef");
  EXPECT_FALSE(d.r.midstream());
  EXPECT_TRUE(d.r.syn_seen());
  EXPECT_EQ(d.r.delivered(), 6u);
  EXPECT_EQ(d.counters.bytes_delivered, 6u);
  EXPECT_EQ(d.counters.segments, 3u);
}

TEST(TcpReassemblyTest, OutOfOrderWaitsForTheHole) {
  Dir d;
  d.Syn(0);
  d.Data(7, "ghi");
  d.Data(4, "def");
  EXPECT_EQ(d.out.bytes, "");
  EXPECT_EQ(d.r.buffered_bytes(), 6u);
  EXPECT_EQ(d.counters.ooo_bytes_now, 6u);
  d.Data(1, "abc");
  EXPECT_EQ(d.out.bytes, "abcdefghi");
  EXPECT_EQ(d.r.buffered_bytes(), 0u);
  EXPECT_EQ(d.counters.ooo_bytes_now, 0u);
  EXPECT_EQ(d.counters.ooo_segments, 2u);
  EXPECT_TRUE(d.out.gaps.empty());
}

TEST(TcpReassemblyTest, OverlapsKeepTheFirstCopy) {
  Dir d;
  d.Syn(0);
  d.Data(1, "AAAA");
  d.Data(3, "BBBBBB");  // 2 bytes over what was delivered
  EXPECT_EQ(d.out.bytes, "AAAABBBB");
  EXPECT_EQ(d.counters.overlap_bytes, 2u);
  // Out of order: the buffered copy wins over a later, different one.
  d.Data(13, "XXXX");            // offsets 12..15
  d.Data(11, "YYYYYYYYYY");      // offsets 10..19, different over 12..15
  d.Data(9, "cc");               // offsets 8..9 fill the hole
  EXPECT_EQ(d.out.bytes, "AAAABBBBccYYXXXXYYYY");
  EXPECT_EQ(d.counters.overlap_conflicts, 1u);
  EXPECT_EQ(d.counters.overlap_bytes, 2u + 4u);
}

TEST(TcpReassemblyTest, RetransmissionsAreDroppedAndCounted) {
  Dir d;
  d.Syn(50);
  d.Data(51, "hello");
  d.Data(51, "hello");
  d.Data(51, "HELLO");  // same range, other bytes: the first copy stays
  d.Data(56, " world");
  d.Syn(50);            // a retransmitted SYN changes nothing
  EXPECT_EQ(d.out.bytes, "hello world");
  EXPECT_EQ(d.counters.retransmitted_segments, 2u);
}

TEST(TcpReassemblyTest, SequenceWraparound) {
  for (uint32_t isn : {0xfffffff0u, 0xfffffffeu, 0xffffffffu}) {
    Dir d;
    d.Syn(isn);
    std::string all;
    uint32_t seq = isn + 1;
    std::vector<std::pair<uint32_t, std::string>> segs;
    for (int i = 0; i < 8; i++) {
      std::string s(5, static_cast<char>('a' + i));
      segs.push_back({seq, s});
      all += s;
      seq += 5;
    }
    d.Data(segs[0].first, segs[0].second);
    for (int i = 7; i >= 1; i--) d.Data(segs[i].first, segs[i].second);  // across 2^32, backwards
    EXPECT_EQ(d.out.bytes, all) << std::hex << isn;
    d.Data(segs[3].first, segs[3].second);  // old after the wrap: still old
    EXPECT_EQ(d.out.bytes, all);
    EXPECT_EQ(d.counters.out_of_window, 0u);
  }
}

TEST(TcpReassemblyTest, MidstreamPickupStartsAtTheFirstSegment) {
  Dir d;
  d.Data(5000, "from here");
  d.Data(4990, "0123456789");  // before the pickup: never deliverable
  d.Data(5009, " on");
  EXPECT_TRUE(d.r.midstream());
  EXPECT_FALSE(d.r.syn_seen());
  EXPECT_EQ(d.out.bytes, "from here on");
}

TEST(TcpReassemblyTest, TheOutOfOrderBufferIsBoundedBySegments) {
  ReassemblyLimits l;
  l.max_ooo_segments = 4;
  Dir d(l);
  d.Syn(0);
  // Holes everywhere: segment i at offset 10*i+5, 5 bytes; the byte at 0 never comes.
  for (int i = 0; i < 4; i++) d.Data(1 + 10 * i + 5, std::string(5, 'a' + i));
  EXPECT_EQ(d.r.buffered_segments(), 4u);
  EXPECT_EQ(d.counters.ooo_buffer_full, 0u);
  d.Data(1 + 45, "eeeee");  // a fifth: the first hole is given up
  EXPECT_EQ(d.counters.ooo_buffer_full, 1u);
  EXPECT_LE(d.r.buffered_segments(), 4u);
  ASSERT_FALSE(d.out.gaps.empty());
  EXPECT_EQ(d.out.gaps[0], 5u);
  EXPECT_EQ(d.out.bytes.substr(0, 10), "#####aaaaa");
  d.r.Flush(0);
  EXPECT_EQ(d.out.bytes, "#####aaaaa#####bbbbb#####ccccc#####ddddd#####eeeee");
  EXPECT_EQ(d.r.buffered_bytes(), 0u);
  EXPECT_EQ(d.counters.gaps, 5u);
  EXPECT_EQ(d.counters.gap_bytes, 25u);
}

TEST(TcpReassemblyTest, TheOutOfOrderBufferIsBoundedByBytesAlsoAcrossFlows) {
  ReassemblyLimits l;
  l.max_ooo_bytes = 1000;
  l.max_ooo_bytes_total = 1500;
  ReassemblyCounters shared;
  Out out1, out2;
  TcpReassembler a, b;
  a.Reset(&out1, true, &l, &shared);
  b.Reset(&out2, true, &l, &shared);
  a.Segment(0, kTcpSyn, nullptr, 0, 0);
  b.Segment(0, kTcpSyn, nullptr, 0, 0);
  const std::string k(400, 'k');
  auto seg = [&](TcpReassembler& r, uint32_t seq) {
    r.Segment(seq, kTcpAck, reinterpret_cast<const uint8_t*>(k.data()), 400, 0);
  };
  seg(a, 101);
  seg(a, 601);
  EXPECT_EQ(a.buffered_bytes(), 800u);
  seg(a, 1101);  // 1200 > 1000 for this direction
  EXPECT_EQ(shared.ooo_buffer_full, 1u);
  EXPECT_LE(a.buffered_bytes(), 1000u);
  seg(b, 101);
  seg(b, 601);  // the table's budget: 1500 in all
  EXPECT_LE(shared.ooo_bytes_now, 1500u);
  EXPECT_EQ(shared.ooo_bytes_now, a.buffered_bytes() + b.buffered_bytes());
  EXPECT_EQ(shared.ooo_buffer_full, 2u);
  a.Reset(nullptr, true, &l, &shared);
  b.Reset(nullptr, true, &l, &shared);
  EXPECT_EQ(shared.ooo_bytes_now, 0u);
}

TEST(TcpReassemblyTest, FinEndsTheStreamAndWhatFollowsIsDropped) {
  Dir d;
  d.Syn(0);
  d.Data(6, "world", kTcpAck | kTcpFin);  // the FIN out of order
  EXPECT_FALSE(d.r.finished());
  d.Data(1, "hello");
  EXPECT_TRUE(d.r.finished());
  d.Data(11, "more");
  EXPECT_EQ(d.out.bytes, "helloworld");
  EXPECT_EQ(d.counters.after_fin, 1u);
}

TEST(TcpReassemblyTest, FlushGivesUpTheHoleBeforeTheFin) {
  Dir d;
  d.Syn(0);
  d.Data(1, "ab");
  d.Data(6, "fg", kTcpAck | kTcpFin);
  d.r.Flush(0);
  EXPECT_EQ(d.out.bytes, "ab###fg");
  EXPECT_TRUE(d.r.finished());
}

TEST(TcpReassemblyTest, ResetOutOfWindowAndTheCap) {
  ReassemblyLimits l;
  l.window = 1000;
  l.max_stream_bytes = 8;
  Dir d(l);
  d.Syn(0);
  d.Data(5000, "far away");
  EXPECT_EQ(d.counters.out_of_window, 1u);
  EXPECT_EQ(d.r.buffered_bytes(), 0u);
  d.Data(1, "0123456789ab");
  EXPECT_EQ(d.out.bytes, "01234567");
  EXPECT_EQ(d.counters.bytes_over_cap, 4u);
  d.Data(13, "cd");
  EXPECT_EQ(d.counters.bytes_over_cap, 6u);
  EXPECT_EQ(d.r.delivered(), 14u) << "past the cap the stream is still followed";
  EXPECT_FALSE(d.r.reset_seen());
  d.r.Segment(15, kTcpRst, nullptr, 0, 0);
  EXPECT_TRUE(d.r.reset_seen());
}

uint64_t Lcg(uint64_t* s) { return *s = *s * 6364136223846793005ull + 1442695040888963407ull; }

// A model check: any cutting, reordering and duplication of one stream
// (same bytes) gives the stream back, at any ISN.
TEST(TcpReassemblyTest, ShuffledDuplicatedSegmentsGiveTheStreamBack) {
  uint64_t seed = 42;
  for (int round = 0; round < 200; round++) {
    std::string stream(1 + Lcg(&seed) % 5000, '\0');
    for (char& c : stream) c = static_cast<char>(Lcg(&seed) >> 56);
    const uint32_t isn = static_cast<uint32_t>(Lcg(&seed) >> 32);
    std::vector<std::pair<uint32_t, std::string>> segs;
    for (size_t off = 0; off < stream.size();) {
      const size_t len = 1 + Lcg(&seed) % 300;
      segs.push_back({isn + 1 + static_cast<uint32_t>(off), stream.substr(off, len)});
      // A retransmission that covers more than the original.
      if (Lcg(&seed) % 4 == 0) segs.push_back({isn + 1 + static_cast<uint32_t>(off), stream.substr(off, len * 2)});
      off += len;
    }
    for (size_t i = segs.size(); i > 1; i--) std::swap(segs[i - 1], segs[Lcg(&seed) % i]);
    Dir d;
    d.Syn(isn);
    for (const auto& [seq, s] : segs) d.Data(seq, s);
    ASSERT_EQ(d.out.bytes, stream) << "round " << round;
    EXPECT_EQ(d.r.buffered_bytes(), 0u);
    EXPECT_EQ(d.counters.overlap_conflicts, 0u);
  }
}

}  // namespace
}  // namespace spamwall::sampler

namespace spamwall::sampler {
namespace {

// A capture cut to its snap length: the lost tail is a gap at once, and the
// next segment is in order, not a hole that waits.
TEST(TcpReassemblyTest, ATailCutByTheCaptureIsAGapAtOnce) {
  Dir d;
  d.Syn(0);
  const std::string head = "abc";
  d.r.Segment(1, kTcpAck, reinterpret_cast<const uint8_t*>(head.data()), 3, 0, /*wire_len=*/10);
  d.Data(11, "klm");
  d.r.Segment(14, kTcpAck, nullptr, 0, 0, /*wire_len=*/2);  // nothing readable at all
  d.Data(16, "pq");
  EXPECT_EQ(d.out.bytes, "abc#######klm##pq");
  EXPECT_EQ(d.r.buffered_bytes(), 0u);
  EXPECT_EQ(d.counters.gap_bytes, 9u);
}

}  // namespace
}  // namespace spamwall::sampler

namespace spamwall::sampler {
namespace {

// A cut tail beyond a FIN already reached is no gap.
TEST(TcpReassemblyTest, ACutTailPastTheFinIsNoGap) {
  Dir d;
  d.Syn(0);
  d.Data(1, "ab", kTcpAck | kTcpFin);
  d.r.Segment(3, kTcpAck, nullptr, 0, 0, /*wire_len=*/5);
  EXPECT_EQ(d.out.bytes, "ab");
  EXPECT_TRUE(d.out.gaps.empty());
  EXPECT_EQ(d.counters.gaps, 0u);
}

}  // namespace
}  // namespace spamwall::sampler
