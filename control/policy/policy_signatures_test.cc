// The policy's signatures: compiled from the files the loader read, from a
// client's bundle (controld never opens them) as from disk; refusals name
// FILE:LINE; the model keeps the texts, so a recompile needs no file; the
// same files compile once.
#include "control/policy/policy_signatures.h"

#include <gtest/gtest.h>

#include "control/policy/policy_loader.h"
#include "control/policy/policy_snapshot.h"
#include "dataplane/signatures/database.h"

namespace spamwall {
namespace {

const char kPolicy[] = "version: 1\ninternal: [100.64.0.0/10]\nsignatures: [sig/a.sigs, b.sigs]\n";
const char kA[] = "GTUBE spam 1000 raw \"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\"\n";
const char kB[] = "# b\nPILLS spam 2.5 body /v[i1]agra\\s+(?:cheap|online)/i\n";

std::optional<Policy> FromBundle(const PolicySources& sources, Diagnostics* diag) {
  return LoadPolicySources("/cfg/p.yaml", sources, diag);
}

TEST(PolicySignaturesTest, CompiledFromTheBundleNotFromDisk) {
  PolicySources sources = {{"/cfg/p.yaml", kPolicy}, {"/cfg/sig/a.sigs", kA}, {"/cfg/b.sigs", kB}};
  Diagnostics diag;
  std::optional<Policy> p = FromBundle(sources, &diag);
  ASSERT_TRUE(p) << diag.ToString();
  ASSERT_EQ(p->signature_files.size(), 2u);
  EXPECT_EQ(p->signature_files[0].path, "/cfg/sig/a.sigs");
  auto c = CompilePolicy(*p, CompileOptions{}, &diag);
  ASSERT_TRUE(c) << diag.ToString();
  ASSERT_TRUE(c->signatures);
  EXPECT_EQ(c->signatures->signatures().size(), 2u);
  EXPECT_EQ(c->signature_db.compare(0, 8, "SWSIGDB1"), 0);

  // The model keeps the texts: what controld recompiles from after an
  // overlay change or a restart gives the same database, compiled once.
  std::string error;
  std::optional<Policy> again = DeserializePolicy(SerializePolicy(*p), &error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(again->signature_files, p->signature_files);
  auto c2 = CompilePolicy(*again, CompileOptions{}, &diag);
  ASSERT_TRUE(c2) << diag.ToString();
  EXPECT_EQ(c2->signature_db, c->signature_db);
  EXPECT_EQ(c2->signatures.get(), c->signatures.get()) << "the same files are not compiled twice";
}

TEST(PolicySignaturesTest, RefusalsNameTheFileAndLine) {
  PolicySources sources = {{"/cfg/p.yaml", kPolicy},
                           {"/cfg/sig/a.sigs", kA},
                           {"/cfg/b.sigs", "# b\n\nBAD spam 1 raw /(open/\nGTUBE spam 1 raw \"x\"\n"}};
  Diagnostics diag;
  std::optional<Policy> p = FromBundle(sources, &diag);
  ASSERT_TRUE(p) << diag.ToString();
  EXPECT_EQ(CompilePolicy(*p, CompileOptions{}, &diag), nullptr);
  const std::string all = diag.ToString();
  EXPECT_NE(all.find("error: /cfg/b.sigs:3: bad regex: missing closing parenthesis"), std::string::npos) << all;
  EXPECT_NE(all.find("error: /cfg/b.sigs:4: duplicate id 'GTUBE' (first at /cfg/sig/a.sigs:1)"), std::string::npos)
      << all;

  sources.erase("/cfg/b.sigs");
  Diagnostics missing;
  EXPECT_FALSE(FromBundle(sources, &missing));
  EXPECT_NE(missing.ToString().find("signature file '/cfg/b.sigs' was not sent with the policy"), std::string::npos)
      << missing.ToString();
}

TEST(PolicySignaturesTest, NoSignaturesCarryNothing) {
  Diagnostics diag;
  std::optional<Policy> p = LoadPolicySources("/cfg/p.yaml", {{"/cfg/p.yaml", "version: 1\n"}}, &diag);
  ASSERT_TRUE(p) << diag.ToString();
  auto c = CompilePolicy(*p, CompileOptions{}, &diag);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->signature_db.empty());
  EXPECT_FALSE(c->signatures);
  EXPECT_TRUE(diag.warnings.empty());

  // A model without the texts (saved before they were kept): compiled
  // without signatures, and said so.
  Policy old = *p;
  old.signatures = {"gone.sigs"};
  c = CompilePolicy(old, CompileOptions{}, &diag);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->signatures);
  ASSERT_EQ(diag.warnings.size(), 1u);
  EXPECT_NE(diag.warnings[0].message.find("scans with none"), std::string::npos);
}

}  // namespace
}  // namespace spamwall
