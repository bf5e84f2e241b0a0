// Unit checks of the parser's buffer handling; the verdict-level cases are
// data in tests/fixtures/packets.yaml.
#include "dataplane/core/packet_parse.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

std::vector<uint8_t> Ipv4Tcp(uint16_t total_length, size_t frame_len) {
  std::vector<uint8_t> f(frame_len, 0);
  f[12] = 0x08;
  f[13] = 0x00;
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  ip[2] = total_length >> 8;
  ip[3] = total_length & 0xff;
  ip[9] = 6;
  ip[12] = 100, ip[13] = 64, ip[14] = 0, ip[15] = 1;
  ip[16] = 192, ip[17] = 0, ip[18] = 2, ip[19] = 1;
  ip[20] = 0x9c, ip[21] = 0x40;  // 40000
  ip[22] = 0, ip[23] = 25;
  return f;
}

TEST(PacketParseTest, ReadsPortsAndAddresses) {
  auto f = Ipv4Tcp(40, 54);
  sw_parsed p;
  sw_parse_frame(f.data(), f.size(), f.size(), &p);
  EXPECT_EQ(p.l3, SW_L3_IPV4);
  EXPECT_EQ(p.malformed, SW_MALFORMED_NONE);
  EXPECT_TRUE(p.has_ports);
  EXPECT_EQ(p.sport, 40000);
  EXPECT_EQ(p.dport, 25);
  EXPECT_EQ(p.src[0], 100);
  EXPECT_EQ(p.dst[3], 1);
  EXPECT_EQ(p.l4_length, 20u);
}

// Lengths are checked against the whole frame, reads against the readable part.
TEST(PacketParseTest, FrameLongerThanFirstSegmentIsNotMalformed) {
  auto f = Ipv4Tcp(1500 - 14, 1500);
  sw_parsed p;
  sw_parse_frame(f.data(), 128, f.size(), &p);
  EXPECT_EQ(p.malformed, SW_MALFORMED_NONE);
  EXPECT_EQ(p.dport, 25);
}

TEST(PacketParseTest, TotalLengthBeyondFrameIsMalformed) {
  auto f = Ipv4Tcp(200, 60);
  sw_parsed p;
  sw_parse_frame(f.data(), f.size(), f.size(), &p);
  EXPECT_EQ(p.malformed, SW_MALFORMED_BAD_TOTAL_LENGTH);
}

TEST(PacketParseTest, NeverReadsPastReadable) {
  auto f = Ipv4Tcp(40, 54);
  for (uint32_t n = 0; n <= f.size(); n++) {
    std::vector<uint8_t> cut(f.begin(), f.begin() + n);  // ASan catches overreads
    sw_parsed p;
    sw_parse_frame(cut.data(), n, n, &p);
    if (n < 14)
      EXPECT_EQ(p.l3, SW_L3_NONE) << n;
    else if (n < 14 + 20)
      EXPECT_EQ(p.malformed, SW_MALFORMED_L3_TRUNCATED) << n;
    else if (n < f.size())
      EXPECT_EQ(p.malformed, SW_MALFORMED_BAD_TOTAL_LENGTH) << n;
    else
      EXPECT_TRUE(p.has_ports);
  }
}

}  // namespace
