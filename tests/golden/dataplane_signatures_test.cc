// Signatures ride in the generation: the policy compiler (the one compile
// path of spamwall-dataplane --policy, spamwall-compile and controld)
// compiles the files a policy names into the image's required signatures
// section. A bad file is refused with FILE:LINE; an image whose database is
// truncated or was built for another CPU is refused by the dataplane, at a
// load and at boot, and the generation it runs stays.
#include <gtest/gtest.h>
#include <hs/hs.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "control/policy/policy_loader.h"
#include "dataplane/core/crc32c.h"
#include "dataplane/core/policy_image.h"
#include "dataplane/signatures/database.h"
#include "ipc/client.h"
#include "tests/fixtures/fixture.h"
#include "tests/golden/run_dataplane.h"

namespace spamwall::golden {
namespace {

std::string Repo() { return fixtures::FixturesDir() + "/../.."; }

// The fixture policy, every SMTP flow sampled, naming `sigs` (written
// beside it as t.sigs) unless it is empty.
std::string WritePolicy(const TempDir& dir, const std::string& sigs) {
  std::ifstream in(fixtures::FixturesDir() + "/policy.yaml");
  std::stringstream s;
  s << in.rdbuf();
  std::string text = std::regex_replace(s.str(), std::regex("smtp_flow_rate: 64"), "smtp_flow_rate: 1");
  text = std::regex_replace(text, std::regex("file: pools/"), "file: " + fixtures::FixturesDir() + "/pools/");
  if (!sigs.empty()) {
    std::ofstream(dir / "t.sigs") << sigs;
    text += "signatures: [t.sigs]\n";
  }
  std::ofstream(dir / "policy.yaml") << text;
  return dir / "policy.yaml";
}

std::string Starter() {
  std::ifstream in(Repo() + "/signatures/starter.sigs");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::unique_ptr<CompiledPolicy> Compile(const std::string& path) {
  Diagnostics diag;
  auto c = LoadAndCompile(path, CompileOptions{}, &diag);
  EXPECT_TRUE(c) << diag.ToString();
  return c;
}

// The policy's serialized set (raw-scope signatures only) with its Hyperscan
// database replaced by one this CPU cannot run, the CRC made right: one
// compiled for every CPU feature Hyperscan knows where this CPU lacks one,
// else its own with a platform bit no CPU has (hs_serialize_database's
// header: magic, version, length, then the u64 platform).
std::string ForAnotherCpu(const CompiledPolicy& policy) {
  char* ours = nullptr;
  size_t ours_length = 0;
  EXPECT_EQ(hs_serialize_database(policy.signatures->raw_db(), &ours, &ours_length), HS_SUCCESS);
  std::string foreign(ours, ours_length);
  std::free(ours);
  hs_platform_info_t host;
  EXPECT_EQ(hs_populate_platform(&host), HS_SUCCESS);
  const unsigned long long all = HS_CPU_FEATURES_AVX2 | HS_CPU_FEATURES_AVX512 | HS_CPU_FEATURES_AVX512VBMI;
  if ((host.cpu_features & all) != all) {
    hs_platform_info_t other = host;
    other.cpu_features = all;
    other.tune = HS_TUNE_FAMILY_ICX;
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    EXPECT_EQ(hs_compile("ab[0-9]+cd", 0, HS_MODE_STREAM, &other, &db, &err), HS_SUCCESS);
    char* bytes = nullptr;
    size_t length = 0;
    EXPECT_EQ(hs_serialize_database(db, &bytes, &length), HS_SUCCESS);
    hs_free_database(db);
    foreign.assign(bytes, length);
    std::free(bytes);
  } else {
    uint64_t platform = 0;
    std::memcpy(&platform, foreign.data() + 12, 8);
    platform |= uint64_t{1} << 40;
    std::memcpy(foreign.data() + 12, &platform, 8);
  }
  // The set's body ends with the raw database's blob (u64 length, bytes)
  // and an empty body-scope blob (u64 0): serialize.cc.
  const std::string& db = policy.signature_db;
  const size_t raw_at = db.size() - 8 - ours_length;
  std::string body = db.substr(16, raw_at - 8 - 16);
  const uint64_t n = foreign.size(), zero = 0;
  body.append(reinterpret_cast<const char*>(&n), 8).append(foreign).append(reinterpret_cast<const char*>(&zero), 8);
  const uint32_t crc = Crc32c(body.data(), body.size());
  return db.substr(0, 12) + std::string(reinterpret_cast<const char*>(&crc), 4) + body;
}

TEST(DataplaneSignaturesTest, ABadSignatureFileIsRefusedWithFileAndLine) {
  TempDir dir;
  const std::string policy = WritePolicy(dir, "# a set with one bad line\n"
                                              "GOOD spam 1 raw \"good words\"\n"
                                              "BAD spam 1 raw /(unclosed/\n");
  const std::string where = dir / "t.sigs:3: bad regex: missing closing parenthesis";
  RunResult r = RunDataplane({"--policy", policy, "--pcap-in", fixtures::FixturesDir() + "/smtp/plain.pcap",
                              "--pcap-out", dir / "pass.pcap"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(where), std::string::npos) << r.output;
  r = RunBinary(BuiltBinary("spamwall-compile"), {policy, "-o", dir / "g.img"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(where), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "g.img"));
}

TEST(DataplaneSignaturesTest, TheImageCarriesTheDatabaseAsARequiredSection) {
  TempDir dir;
  auto with = Compile(WritePolicy(dir, Starter()));
  ASSERT_TRUE(with && with->signatures);
  EXPECT_EQ(with->signature_db.compare(0, 8, "SWSIGDB1"), 0);
  std::vector<uint8_t> image = BuildPolicyImage(*with, {}, {});
  std::vector<ImageSectionInfo> sections;
  std::string error;
  ASSERT_TRUE(WalkPolicyImage(image.data(), image.size(), &sections, &error)) << error;
  const ImageSectionInfo* sig = nullptr;
  for (const auto& s : sections)
    if (s.type == static_cast<uint32_t>(ImageSectionType::kSignatures)) sig = &s;
  ASSERT_NE(sig, nullptr);
  EXPECT_EQ(sig->flags & kSectionRequired, kSectionRequired);
  EXPECT_EQ(sig->bytes, with->signature_db.size());
  auto loaded = LoadPolicyImage(image.data(), image.size(), &error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(loaded->policy->signature_db, with->signature_db) << "carried byte for byte";

  TempDir none;
  auto without = Compile(WritePolicy(none, ""));
  ASSERT_TRUE(without);
  EXPECT_TRUE(without->signature_db.empty());
  EXPECT_FALSE(without->signatures);
  image = BuildPolicyImage(*without, {}, {});
  ASSERT_TRUE(WalkPolicyImage(image.data(), image.size(), &sections, &error)) << error;
  EXPECT_EQ(sections.size(), 7u) << "no signatures, no section";
}

// Boot: an image whose signature database does not load is refused like any
// bad image, and the dataplane takes the next choice (--policy).
TEST(DataplaneSignaturesTest, ABootImageWithATruncatedDatabaseIsRefused) {
  TempDir dir;
  const std::string policy = WritePolicy(dir, Starter());
  auto c = Compile(policy);
  ASSERT_TRUE(c);
  c->signature_db.resize(c->signature_db.size() / 2);
  std::string digest, error;
  ASSERT_TRUE(WritePolicyImageFile(dir / "cut.img", *c, {}, {}, &digest, &error)) << error;
  RunResult r = RunDataplane({"--policy-image", dir / "cut.img", "--policy", policy, "--pcap-in",
                              fixtures::FixturesDir() + "/smtp/gtube.pcap", "--pcap-out", dir / "pass.pcap",
                              "--events", dir / "events.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("boot image refused: policy image: signatures section: signature database "
                          "truncated or corrupt"),
            std::string::npos)
      << r.output;
  std::ifstream events(dir / "events.jsonl");
  std::stringstream all;
  all << events.rdbuf();
  EXPECT_NE(all.str().find(R"("hits":[{"class":"spam","id":"GTUBE","score":1000.0}])"), std::string::npos)
      << "the --policy it fell back to scans: " << all.str();
}

// A load: refused whole, with the reason, and the running generation
// (with its signatures) stays live.
TEST(DataplaneSignaturesTest, ALoadWithABadDatabaseIsRefusedAndTheGenerationStays) {
  TempDir dir;
  const std::string policy = WritePolicy(dir, Starter());
  const std::string prefix = "sig-test-" + std::to_string(getpid());
  const std::string sock = dir / "dp.sock";
  BackgroundProcess dp;
  ASSERT_TRUE(dp.Start(DataplaneBinary(),
                       {"--profile", Repo() + "/hw-profiles/null.yaml", "--policy", policy,
                        "--control-socket", sock, "--stats-interval", "60", "--", "--no-huge", "-m",
                        "256", "--no-pci", "--file-prefix=" + prefix, "-l", "0-1", "--no-telemetry"},
                       dir / "dp.log"));
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(sock) || !dp.running(); }, 30)) << dp.Log();
  ASSERT_TRUE(dp.running()) << dp.Log();
  proto::Client client;
  std::string error;
  ASSERT_TRUE(client.Connect(sock, 10, &error)) << error;
  auto call = [&](const std::string& cmd, const nlohmann::json& args, int fd = -1) {
    nlohmann::json reply;
    std::string e;
    EXPECT_TRUE(client.Call(cmd, args, &reply, &e, fd)) << e;
    return reply;
  };
  auto load = [&](const CompiledPolicy& p, uint64_t generation) {
    int fd = CreatePolicyImageFd(p, {}, {}, nullptr, &error);
    EXPECT_GE(fd, 0) << error;
    nlohmann::json r = call("policy.load", {{"generation", generation}, {"origin", "test"}}, fd);
    close(fd);
    return r;
  };

  auto good = Compile(policy);
  ASSERT_TRUE(good);
  nlohmann::json r = load(*good, 1);
  ASSERT_EQ(r["ok"], true) << r;

  auto cut = Compile(policy);
  cut->signatures.reset();  // as if it came from an image: only the bytes
  cut->signature_db.resize(cut->signature_db.size() - 100);
  r = load(*cut, 2);
  EXPECT_EQ(r["error"]["code"], "refused") << r;
  EXPECT_NE(proto::ReplyError(r).find("policy image: signatures section: signature database truncated or "
                                      "corrupt: Hyperscan database at byte"),
            std::string::npos)
      << r;
  EXPECT_NE(proto::ReplyError(r).find("(the running policy stays)"), std::string::npos) << r;

  TempDir raw_only;
  auto small = Compile(WritePolicy(raw_only, "ONE spam 1 raw \"one literal\"\n"));
  ASSERT_TRUE(small);
  small->signature_db = ForAnotherCpu(*small);
  small->signatures.reset();
  r = load(*small, 2);
  EXPECT_EQ(r["error"]["code"], "refused") << r;
  EXPECT_NE(proto::ReplyError(r).find("policy image: signatures section: raw-scope database was built "
                                      "for another CPU ("),
            std::string::npos)
      << r;
  EXPECT_EQ(call("policy.show", nlohmann::json::object())["result"]["generation"], 1);
  EXPECT_EQ(load(*good, 2)["ok"], true) << "the next good one loads";
  client.Close();
  EXPECT_EQ(dp.Stop(), 0) << dp.Log();
  EXPECT_NE(dp.Log().find("policy generation 2 from"), std::string::npos) << dp.Log();
}

}  // namespace
}  // namespace spamwall::golden
