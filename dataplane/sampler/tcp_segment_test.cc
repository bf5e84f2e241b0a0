#include "dataplane/sampler/tcp_segment.h"

#include <gtest/gtest.h>

#include "dataplane/core/packet_parse.h"
#include "tests/fixtures/frame_builder.h"

namespace spamwall::sampler {
namespace {

using fixtures::BuildFrame;
using fixtures::FrameSpec;
using fixtures::L3Kind;
using fixtures::L4Kind;

FrameSpec Smtp(L3Kind l3) {
  FrameSpec f;
  f.l3 = l3;
  f.ipv4.src = {100, 64, 0, 7};
  f.ipv4.dst = {192, 0, 2, 25};
  f.ipv6.src = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
  f.ipv6.dst = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x25};
  f.l4 = L4Kind::kTcp;
  f.tcp.sport = 40000;
  f.tcp.dport = 25;
  f.tcp.flags = kTcpAck | kTcpPsh;
  f.tcp.seq = 0x01020304;
  f.tcp.ack = 0xa0b0c0d0;
  f.tcp.options = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};  // NOP NOP timestamps: offset 8
  const std::string line = "MAIL FROM:<a@example.org>\r\n";
  f.payload.assign(line.begin(), line.end());
  f.min_frame = 60;
  return f;
}

TEST(TcpSegmentTest, ReadsTheHeaderFieldsAndThePayloadBehindTheOptions) {
  for (L3Kind l3 : {L3Kind::kIpv4, L3Kind::kIpv6}) {
    std::vector<uint8_t> frame = BuildFrame(Smtp(l3));
    TcpSegmentView s;
    ASSERT_EQ(ParseTcpSegment(frame.data(), frame.size(), frame.size(), &s), SegmentError::kNone);
    EXPECT_EQ(s.l3, l3 == L3Kind::kIpv4 ? SW_L3_IPV4 : SW_L3_IPV6);
    EXPECT_EQ(s.sport, 40000);
    EXPECT_EQ(s.dport, 25);
    EXPECT_EQ(s.seq, 0x01020304u);
    EXPECT_EQ(s.ack, 0xa0b0c0d0u);
    EXPECT_EQ(s.flags, kTcpAck | kTcpPsh);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(s.payload), s.payload_len),
              "MAIL FROM:<a@example.org>\r\n");
    EXPECT_EQ(s.wire_payload_len, s.payload_len);
    EXPECT_EQ(s.src[l3 == L3Kind::kIpv4 ? 3 : 15], 7);
  }
}

// Ethernet padding after a short IPv4 packet is not payload.
TEST(TcpSegmentTest, LinkPaddingIsNotPayload) {
  FrameSpec f = Smtp(L3Kind::kIpv4);
  f.payload.clear();
  f.tcp.options.clear();
  f.tcp.flags = kTcpSyn;
  f.pad = 20;
  f.pad_byte = 0xee;
  std::vector<uint8_t> frame = BuildFrame(f);
  TcpSegmentView s;
  ASSERT_EQ(ParseTcpSegment(frame.data(), frame.size(), frame.size(), &s), SegmentError::kNone);
  EXPECT_EQ(s.payload_len, 0u);
  EXPECT_EQ(s.flags, kTcpSyn);
}

// A capture cut short keeps what it holds and says how much was on the wire.
TEST(TcpSegmentTest, ACutCaptureSaysWhatWasOnTheWire) {
  std::vector<uint8_t> frame = BuildFrame(Smtp(L3Kind::kIpv4));
  TcpSegmentView s;
  const uint32_t readable = static_cast<uint32_t>(frame.size() - 10);
  ASSERT_EQ(ParseTcpSegment(frame.data(), readable, frame.size(), &s), SegmentError::kNone);
  EXPECT_EQ(s.payload_len + 10, s.wire_payload_len);
}

TEST(TcpSegmentTest, RefusesWhatIsNotAWholeTcpHeader) {
  FrameSpec udp = Smtp(L3Kind::kIpv4);
  udp.l4 = L4Kind::kUdp;
  udp.udp.sport = 1;
  udp.udp.dport = 25;
  std::vector<uint8_t> frame = BuildFrame(udp);
  TcpSegmentView s;
  EXPECT_EQ(ParseTcpSegment(frame.data(), frame.size(), frame.size(), &s), SegmentError::kNotTcp);
  frame = BuildFrame(Smtp(L3Kind::kIpv4));
  const size_t tcp = 14 + 20;
  frame[tcp + 12] = 0x40;  // data offset 4 words: below the minimum
  EXPECT_EQ(ParseTcpSegment(frame.data(), frame.size(), frame.size(), &s), SegmentError::kBadTcpHeader);
  frame[tcp + 12] = 0xf0;  // 60 bytes: beyond the segment
  EXPECT_EQ(ParseTcpSegment(frame.data(), frame.size(), frame.size(), &s), SegmentError::kBadTcpHeader);
  frame = BuildFrame(Smtp(L3Kind::kIpv4));
  EXPECT_EQ(ParseTcpSegment(frame.data(), tcp + 10, frame.size(), &s), SegmentError::kBadTcpHeader)
      << "the header cut by the capture";
  std::vector<uint8_t> arp(60, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_EQ(ParseTcpSegment(arp.data(), arp.size(), arp.size(), &s), SegmentError::kNotIp);
}

}  // namespace
}  // namespace spamwall::sampler
