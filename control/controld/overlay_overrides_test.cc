#include "control/controld/overlay_overrides.h"

#include <gtest/gtest.h>

#include "control/policy/policy_loader.h"

namespace spamwall::controld {
namespace {

Policy File(const char* text) {
  Diagnostics diag;
  auto p = LoadPolicyText(text, "p.yaml", "", &diag);
  EXPECT_TRUE(p.has_value()) << diag.ToString();
  return p ? *p : Policy{};
}

const char* kFile = R"(version: 1
mode: enforce
subscribers: {consumer: [100.64.0.0/10]}
quarantine: [100.64.99.0/24]
exemptions:
  - {prefix: 100.64.12.34/32, owner: t-1, reason: r, expires: 2099-01-31}
)";

TEST(OverlayOverridesTest, NoneWithoutAnOverlay) {
  EXPECT_TRUE(OverlayOverrides(File(kFile), Overlay{}).empty());
}

TEST(OverlayOverridesTest, ModeNamesWhoAndWhenOnlyWhenItDiffers) {
  Overlay o;
  o.mode = PolicyMode::kMonitor;
  o.mode_set = {"alice", "2026-12-02T10:00:00.000Z"};
  auto v = OverlayOverrides(File(kFile), o);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, "mode");
  EXPECT_NE(v[0].text.find("the file says enforce, but the runtime override 'monitor' (set by alice at "
                           "2026-12-02T10:00:00.000Z) is in force"), std::string::npos) << v[0].text;
  EXPECT_NE(v[0].text.find("spamwallctl mode clear"), std::string::npos);
  o.mode = PolicyMode::kEnforce;
  EXPECT_TRUE(OverlayOverrides(File(kFile), o).empty());
}

TEST(OverlayOverridesTest, APushedSignatureSetNamesTheFileSetItReplaces) {
  Policy file = File(kFile);
  file.signatures = {"starter.sigs"};
  Overlay o;
  o.signatures = SignatureOverride{{{"/tmp/campaign.sigs", "X spam 1 raw \"x\"\n"}}, {"bob", "2026-12-03T09:00:00Z"}};
  auto v = OverlayOverrides(file, o);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, "signatures");
  EXPECT_EQ(v[0].entry, "/tmp/campaign.sigs");
  EXPECT_EQ(v[0].text,
            "signatures: the runtime set /tmp/campaign.sigs (pushed by bob at 2026-12-03T09:00:00Z) is in force "
            "instead of the file's (starter.sigs) and stays after every push: `spamwallctl signatures clear` "
            "returns to the file's set");
}

TEST(OverlayOverridesTest, EntriesThatOverlapTheFile) {
  Overlay o;
  o.quarantine = {"100.64.12.0/24", "100.64.99.7/32", "100.64.200.1/32"};
  o.quarantine_added["100.64.12.0/24"] = {"bob", "T1"};
  o.exemptions = {{"100.64.99.8/32", "t-2", "r", "2099-01-01", {"carol", "T2"}},
                  {"100.64.12.32/28", "t-3", "r", "2099-01-01", {}},
                  {"100.64.150.0/24", "t-4", "r", "2099-01-01", {}}};
  auto v = OverlayOverrides(File(kFile), o);
  ASSERT_EQ(v.size(), 4u);
  // Contains the file's exemption: the quarantine wins.
  EXPECT_EQ(v[0].entry, "100.64.12.0/24");
  EXPECT_NE(v[0].text.find("(added by bob at T1) stops the mail of the file's exemption 100.64.12.34/32 "
                           "(owner t-1, expires 2099-01-31)"), std::string::npos) << v[0].text;
  // Inside the file's quarantine: not released by removing it from the file.
  EXPECT_EQ(v[1].entry, "100.64.99.7/32");
  EXPECT_NE(v[1].text.find("overlaps the file's quarantine 100.64.99.0/24"), std::string::npos) << v[1].text;
  EXPECT_NE(v[1].text.find("by an earlier controld"), std::string::npos) << v[1].text;
  EXPECT_EQ(v[2].entry, "100.64.99.8/32");
  EXPECT_NE(v[2].text.find("the quarantine wins, so port 25 stays closed there"), std::string::npos);
  EXPECT_EQ(v[3].entry, "100.64.12.32/28");
  EXPECT_NE(v[3].text.find("overlaps the file's exemption 100.64.12.34/32"), std::string::npos) << v[3].text;
  size_t more = 0;
  EXPECT_EQ(OverlayOverrides(File(kFile), o, 2, &more).size(), 2u);
  EXPECT_EQ(more, 2u);
}

}  // namespace
}  // namespace spamwall::controld
