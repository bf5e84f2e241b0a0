#include "dataplane/smtp/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace spamwall::smtp {
namespace {

std::string Of(const std::string& s) {
  return Sha256::Hex(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf").
TEST(Sha256Test, FipsVectors) {
  EXPECT_EQ(Of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, StreamingEqualsOneShotAndResetStartsOver) {
  Sha256 h;
  const std::string a(1000, 'a');
  for (int i = 0; i < 1000; i++) h.Update(reinterpret_cast<const uint8_t*>(a.data()), a.size());
  EXPECT_EQ(h.FinalHex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");  // 10^6 'a'
  h.Reset();
  h.Update(reinterpret_cast<const uint8_t*>("ab"), 2);
  h.Update(reinterpret_cast<const uint8_t*>("c"), 1);
  EXPECT_EQ(h.FinalHex(), Of("abc"));
}

}  // namespace
}  // namespace spamwall::smtp
