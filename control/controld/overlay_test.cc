#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "control/controld/overlay.h"
#include "control/policy/policy_loader.h"

namespace spamwall::controld {
namespace {

Day Today() { return TodayUtc(); }

TEST(OverlayTest, QuarantineEntriesAreCheckedAndNormalized) {
  std::string n, e;
  ASSERT_TRUE(CheckQuarantineEntry("100.64.1.2", &n, &e)) << e;
  EXPECT_EQ(n, "100.64.1.2/32");
  ASSERT_TRUE(CheckQuarantineEntry("2001:db8:1000::/48", &n, &e)) << e;
  EXPECT_FALSE(CheckQuarantineEntry("100.64.1.300", &n, &e));
  EXPECT_NE(e.find("'100.64.1.300'"), std::string::npos) << e;
  EXPECT_FALSE(CheckQuarantineEntry("10.1.2.3/8", &n, &e));
  EXPECT_NE(e.find("host bits set"), std::string::npos) << e;
  EXPECT_FALSE(CheckQuarantineEntry("", &n, &e));
}

TEST(OverlayTest, ExemptionNeedsEveryFieldAndAFutureDate) {
  std::string e;
  OverlayExemption ok{"100.64.0.5", "ticket-1", "mail server", "2099-12-31"};
  ASSERT_TRUE(CheckExemption(&ok, Today(), &e)) << e;
  EXPECT_EQ(ok.prefix, "100.64.0.5/32");
  OverlayExemption no_owner{"100.64.0.5", "", "r", "2099-12-31"};
  EXPECT_FALSE(CheckExemption(&no_owner, Today(), &e));
  EXPECT_NE(e.find("owner, reason and expires"), std::string::npos) << e;
  OverlayExemption bad_date{"100.64.0.5", "o", "r", "2099-02-30"};
  EXPECT_FALSE(CheckExemption(&bad_date, Today(), &e));
  EXPECT_NE(e.find("'2099-02-30' is not a date"), std::string::npos) << e;
  OverlayExemption past{"100.64.0.5", "o", "r", "2001-01-01"};
  EXPECT_FALSE(CheckExemption(&past, Today(), &e));
  EXPECT_NE(e.find("in the past"), std::string::npos) << e;
  OverlayExemption bad_prefix{"100.64.0.5/33", "o", "r", "2099-01-01"};
  EXPECT_FALSE(CheckExemption(&bad_prefix, Today(), &e));
}

TEST(OverlayTest, MergeAppendsToTheFileListsAndOverridesMode) {
  Diagnostics d;
  auto p = LoadPolicyText("version: 1\nsubscribers: {consumer: [100.64.0.0/10]}\nquarantine: [100.64.9.9]\n",
                          "p.yaml", "", &d);
  ASSERT_TRUE(p) << d.ToString();
  Overlay o;
  o.quarantine = {"100.64.1.1/32"};
  o.exemptions = {{"100.64.0.5/32", "t", "r", "2099-01-01"}};
  o.mode = PolicyMode::kMonitor;
  Policy merged;
  std::string e;
  ASSERT_TRUE(MergeOverlay(*p, o, "/st/overlay.json", &merged, &e)) << e;
  ASSERT_EQ(merged.quarantine.size(), 2u);
  ASSERT_EQ(merged.exemptions.size(), 1u);
  EXPECT_EQ(merged.exemptions[0].owner, "t");
  EXPECT_EQ(merged.mode, PolicyMode::kMonitor);
  EXPECT_EQ(merged.files.back(), "/st/overlay.json");
  EXPECT_EQ(merged.quarantine[1].loc.file, merged.files.size() - 1);
  Diagnostics cd;
  auto compiled = CompilePolicy(merged, CompileOptions{}, &cd);
  ASSERT_TRUE(compiled) << cd.ToString();
  EXPECT_EQ(compiled->summary.quarantine, 2u);
  EXPECT_EQ(compiled->summary.exemptions_active, 1u);
}

TEST(OverlayTest, SavesAndLoadsAtomically) {
  std::string dir = std::filesystem::temp_directory_path() / ("overlay-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  Overlay o, back;
  std::string e;
  ASSERT_TRUE(LoadOverlay(dir + "/overlay.json", &back, &e)) << e;  // absent: empty
  EXPECT_EQ(back, Overlay{});
  o.quarantine = {"100.64.1.1/32"};
  o.exemptions = {{"100.64.0.5/32", "t", "r", "2099-01-01"}};
  o.mode = PolicyMode::kEnforce;
  ASSERT_TRUE(SaveOverlay(dir + "/overlay.json", o, &e)) << e;
  EXPECT_FALSE(std::filesystem::exists(dir + "/overlay.json.tmp"));
  ASSERT_TRUE(LoadOverlay(dir + "/overlay.json", &back, &e)) << e;
  EXPECT_EQ(back, o);
  nlohmann::json bad = OverlayToJson(o);
  bad["quarantine"] = {"1.2.3.4/40"};
  EXPECT_FALSE(OverlayFromJson(bad, &back, &e));
  EXPECT_NE(e.find("1.2.3.4/40"), std::string::npos) << e;
  std::filesystem::remove_all(dir);
}

TEST(OverlayTest, APushedSignatureSetReplacesTheFilesAndRoundTrips) {
  Diagnostics d;
  auto p = LoadPolicyText("version: 1\n", "p.yaml", "", &d);
  ASSERT_TRUE(p) << d.ToString();
  p->signatures = {"file.sigs"};
  p->signature_files = {{"/etc/spamwall/file.sigs", "A spam 1 raw \"a\"\n"}};
  Overlay o;
  o.signatures = SignatureOverride{{{"/home/op/new.sigs", "B spam 1 raw \"b\"\n"}}, {"op", "2026-12-03T10:00:00Z"}};
  Policy merged;
  std::string e;
  ASSERT_TRUE(MergeOverlay(*p, o, "/st/overlay.json", &merged, &e)) << e;
  EXPECT_EQ(merged.signatures, std::vector<std::string>{"/home/op/new.sigs"});
  ASSERT_EQ(merged.signature_files.size(), 1u);
  EXPECT_EQ(merged.signature_files[0].text, "B spam 1 raw \"b\"\n");
  Overlay back;
  ASSERT_TRUE(OverlayFromJson(OverlayToJson(o), &back, &e)) << e;
  EXPECT_EQ(back, o);
  // A reply's form names the files without their texts.
  EXPECT_EQ(OverlayToJson(o, false)["signatures"]["files"][0], (nlohmann::json{{"path", "/home/op/new.sigs"}, {"bytes", 17}}));
  nlohmann::json bad = OverlayToJson(o);
  bad["signatures"]["files"] = nlohmann::json::array();
  EXPECT_FALSE(OverlayFromJson(bad, &back, &e));
  EXPECT_EQ(e, "signatures.files: must be a non-empty list");
  bad = OverlayToJson(o);
  bad["signatures"]["files"][0]["text"] = 7;
  EXPECT_FALSE(OverlayFromJson(bad, &back, &e));
  EXPECT_NE(e.find("signatures.files[0].text"), std::string::npos) << e;
  EXPECT_TRUE(OverlayFromJson(OverlayToJson(Overlay{}), &back, &e)) << e;  // null: none
  EXPECT_FALSE(back.signatures);
}

}  // namespace
}  // namespace spamwall::controld
