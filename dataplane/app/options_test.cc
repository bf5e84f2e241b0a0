#include "dataplane/app/options.h"

#include <gtest/gtest.h>

namespace spamwall {
namespace {

bool Parse(std::vector<const char*> args, Options* o, std::string* err) {
  args.insert(args.begin(), "spamwall-dataplane");
  return ParseOptions(static_cast<int>(args.size()), const_cast<char**>(args.data()), o, err);
}

TEST(OptionsTest, Offline) {
  Options o;
  std::string err;
  ASSERT_TRUE(Parse({"--policy", "p.yaml", "--pcap-in", "in.pcap", "--pcap-out", "out.pcap",
                     "--stats-json", "s.json"},
                    &o, &err))
      << err;
  EXPECT_TRUE(o.offline);
  EXPECT_EQ(o.pcap_out, "out.pcap");
  EXPECT_EQ(o.stats_json, "s.json");
  EXPECT_EQ(o.scan_bytes, 4u << 20);
  ASSERT_TRUE(Parse({"--policy", "p.yaml", "--pcap-in", "in.pcap", "--pcap-out", "out.pcap",
                     "--scan-bytes", "65536"},
                    &o, &err))
      << err;
  EXPECT_EQ(o.scan_bytes, 65536u);
  EXPECT_FALSE(Parse({"--policy", "p.yaml", "--pcap-in", "in.pcap", "--pcap-out", "out.pcap",
                      "--scan-bytes", "0"},
                     &o, &err));
  EXPECT_EQ(err, "--scan-bytes: '0' is not a number of bytes (1 or more)");
}

TEST(OptionsTest, LiveTakesEalArgsAfterDoubleDash) {
  Options o;
  std::string err;
  ASSERT_TRUE(Parse({"--profile", "hw.yaml", "--policy", "p.yaml", "--duration", "2.5", "--",
                     "-l", "0-1", "--no-huge"},
                    &o, &err))
      << err;
  EXPECT_FALSE(o.offline);
  EXPECT_DOUBLE_EQ(o.duration_s, 2.5);
  EXPECT_EQ(o.eal_args, (std::vector<std::string>{"-l", "0-1", "--no-huge"}));
}

TEST(OptionsTest, ClearErrors) {
  Options o;
  std::string err;
  EXPECT_FALSE(Parse({"--pcap-in", "x", "--pcap-out", "y"}, &o, &err));
  EXPECT_EQ(err, "offline mode needs --policy or --policy-image");
  // Live mode may start with neither: it comes up in the safe state.
  EXPECT_TRUE(Parse({"--profile", "hw.yaml", "--", "-l", "0-1"}, &o, &err)) << err;
  EXPECT_TRUE(Parse({"--profile", "hw.yaml", "--policy-image", "/var/lib/spamwall/live"}, &o, &err));
  EXPECT_EQ(o.policy_image, "/var/lib/spamwall/live");
  EXPECT_FALSE(Parse({"--policy", "p", "--pcap-in", "x"}, &o, &err));
  EXPECT_NE(err.find("needs --pcap-out"), std::string::npos);
  EXPECT_FALSE(Parse({"--policy", "p", "--bogus"}, &o, &err));
  EXPECT_EQ(err, "unknown argument '--bogus'");
  EXPECT_FALSE(Parse({"--policy", "p", "--profile", "h", "--duration", "soon"}, &o, &err));
  EXPECT_NE(err.find("'soon' is not a number of seconds"), std::string::npos);
  EXPECT_FALSE(Parse({"--policy"}, &o, &err));
  EXPECT_EQ(err, "--policy needs a value");
}

}  // namespace
}  // namespace spamwall
