#include "dataplane/core/crc32c.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <vector>

namespace spamwall {
namespace {

TEST(Crc32cTest, CheckValue) {
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(Crc32cSoftware("123456789", 9), 0xE3069283u);
  if (Crc32cHasHardware()) {
    EXPECT_EQ(Crc32cHardware("123456789", 9), 0xE3069283u);
  }
  EXPECT_EQ(Crc32c("", 0), 0u);
  // RFC 3720 B.4: 32 bytes of zeros.
  const std::vector<uint8_t> zeros(32, 0);
  EXPECT_EQ(Crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
}

TEST(Crc32cTest, HardwareAndSoftwareAgreeOnRandomBuffers) {
  if (!Crc32cHasHardware()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937_64 rng(5);
  std::vector<uint8_t> buf(400 << 10);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  // Every offset mod 8, lengths around the 3-lane block (3 x 32 KiB) and small ones.
  const size_t lengths[] = {0, 1, 7, 8, 9, 63, 64, 65, 4095, 98303, 98304, 98305, 196608 + 13, 300000};
  for (size_t off = 0; off < 8; off++)
    for (size_t n : lengths) {
      const uint32_t seed = static_cast<uint32_t>(rng());
      ASSERT_EQ(Crc32cHardware(buf.data() + off, n, seed), Crc32cSoftware(buf.data() + off, n, seed))
          << "offset " << off << " length " << n;
    }
  for (int i = 0; i < 200; i++) {
    const size_t off = rng() % 1024, n = rng() % (buf.size() - off);
    ASSERT_EQ(Crc32cHardware(buf.data() + off, n), Crc32cSoftware(buf.data() + off, n)) << off << " " << n;
  }
}

TEST(Crc32cTest, ChainingAndCombineMatchOnePass) {
  std::mt19937_64 rng(9);
  std::vector<uint8_t> buf(100000);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  const uint32_t whole = Crc32c(buf.data(), buf.size());
  for (size_t cut : {size_t{0}, size_t{1}, size_t{4096}, size_t{77777}, buf.size()}) {
    const uint32_t a = Crc32c(buf.data(), cut), b = Crc32c(buf.data() + cut, buf.size() - cut);
    EXPECT_EQ(Crc32c(buf.data() + cut, buf.size() - cut, a), whole) << cut;
    EXPECT_EQ(Crc32cCombine(a, b, buf.size() - cut), whole) << cut;
  }
}

}  // namespace
}  // namespace spamwall
