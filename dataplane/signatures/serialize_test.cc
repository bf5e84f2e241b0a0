#include "dataplane/signatures/serialize.h"

#include <gtest/gtest.h>
#include <hs/hs.h>

#include <cstdlib>

#include "dataplane/signatures/compiler.h"
#include "dataplane/signatures/scanner.h"
#include "dataplane/signatures/signature_file.h"

namespace spamwall::signatures {
namespace {

std::unique_ptr<Database> Build() {
  ParseResult p = ParseSignatureText(
      "A spam 1.5 raw \"free money\"i\n"
      "B malware 9 body /(ab+)c\\1/\n"
      "C spam 2 body /^hello/m\n",
      "t.sigs");
  EXPECT_TRUE(p.ok());
  CompileResult c = Compile(std::move(p.signatures));
  EXPECT_TRUE(c.ok());
  return std::move(c.db);
}

std::vector<std::string> Hits(const Database& db, std::string_view msg) {
  Scratch scratch(db);
  MessageStream stream(db);
  ScanResult r;
  ScanMessage(db, scratch, stream, msg, r);
  std::vector<std::string> ids;
  for (const Hit& h : r.hits) ids.emplace_back(h.id);
  return ids;
}

TEST(Serialize, RoundTripScansTheSame) {
  auto db = Build();
  ASSERT_TRUE(db);
  std::string error;
  std::string bytes = SerializeDatabase(*db, error);
  ASSERT_FALSE(bytes.empty()) << error;
  auto back = DeserializeDatabase(bytes, error);
  ASSERT_TRUE(back) << error;
  ASSERT_EQ(back->signatures().size(), 3u);
  EXPECT_EQ(back->signatures()[0].id, "A");
  EXPECT_EQ(back->signatures()[0].score, 1.5);
  EXPECT_EQ(back->plan(1), Plan::kPrefilter);
  EXPECT_EQ(back->signatures()[2].origin, "t.sigs:3");
  std::string msg = "S: FREE MONEY\n\nx\nhello abbcabb\n";
  EXPECT_EQ(Hits(*back, msg), Hits(*db, msg));
  EXPECT_EQ(Hits(*back, msg), (std::vector<std::string>{"A", "B", "C"}));
}

TEST(Serialize, EveryTruncationIsRefused) {
  auto db = Build();
  ASSERT_TRUE(db);
  std::string error;
  std::string bytes = SerializeDatabase(*db, error);
  for (size_t n = 0; n < bytes.size(); ++n) {
    error.clear();
    EXPECT_EQ(DeserializeDatabase(std::string_view(bytes).substr(0, n), error), nullptr) << n;
    EXPECT_NE(error.find("truncated"), std::string::npos) << n << ": " << error;
  }
}

TEST(Serialize, CorruptionAndForeignBytesAreRefused) {
  auto db = Build();
  ASSERT_TRUE(db);
  std::string error;
  std::string bytes = SerializeDatabase(*db, error);
  std::string flipped = bytes;
  flipped[flipped.size() - 10] ^= 0x40;
  EXPECT_EQ(DeserializeDatabase(flipped, error), nullptr);
  EXPECT_EQ(error, "signature database corrupt: CRC-32C mismatch");
  EXPECT_EQ(DeserializeDatabase("SWPOLICY and more bytes", error), nullptr);
  EXPECT_EQ(error, "not a signature database (no SWSIGDB1 magic)");
  std::string other = bytes;
  other[8] = static_cast<char>(kSectionVersion + 1);
  EXPECT_EQ(DeserializeDatabase(other, error), nullptr);
  EXPECT_EQ(error, "signature database version " + std::to_string(kSectionVersion + 1) +
                       ", this build reads " + std::to_string(kSectionVersion));
}

TEST(Serialize, HyperscanBytesOfAnotherKindAreRefused) {
  std::string error;
  EXPECT_EQ(DeserializeHyperscan("not hyperscan at all, really", "raw-scope", error), nullptr);
  EXPECT_EQ(error, "raw-scope database: not a Hyperscan database (or truncated)");
}

// A database built for CPU features this machine lacks is refused, with the
// platform it was built for in the message.
TEST(Serialize, DatabaseForAnotherCpuIsRefused) {
  std::string error;
  hs_platform_info_t host;
  ASSERT_EQ(hs_populate_platform(&host), HS_SUCCESS);
  const unsigned long long all = HS_CPU_FEATURES_AVX2 | HS_CPU_FEATURES_AVX512 |
                                 HS_CPU_FEATURES_AVX512VBMI;
  if ((host.cpu_features & all) == all) GTEST_SKIP() << "this CPU has every feature Hyperscan knows";
  hs_platform_info_t other = host;
  other.cpu_features = all;
  other.tune = HS_TUNE_FAMILY_ICX;
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  ASSERT_EQ(hs_compile("ab[0-9]+cd", 0, HS_MODE_STREAM, &other, &db, &err), HS_SUCCESS);
  char* bytes = nullptr;
  size_t length = 0;
  ASSERT_EQ(hs_serialize_database(db, &bytes, &length), HS_SUCCESS);
  hs_free_database(db);
  EXPECT_EQ(DeserializeHyperscan(std::string_view(bytes, length), "raw-scope", error), nullptr);
  std::free(bytes);
  EXPECT_NE(error.find("raw-scope database was built for another CPU ("), std::string::npos)
      << error;
}

}  // namespace
}  // namespace spamwall::signatures
