#include "dataplane/app/hw_profile.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace spamwall {
namespace {

namespace fs = std::filesystem;

fs::path SourceDir() {
  const char* dir = std::getenv("SPAMWALL_SOURCE_DIR");
  return dir != nullptr && *dir != '\0' ? fs::path(dir) : fs::current_path();
}

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(HwProfileTest, EveryShippedProfileLoads) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(SourceDir() / "hw-profiles")) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    HwProfile p;
    std::string error;
    ASSERT_TRUE(LoadHwProfile(entry.path().string(), &p, &error)) << error;
    EXPECT_EQ(p.name, entry.path().stem().string()) << "a profile is named after its file";
    EXPECT_EQ(p.path, entry.path().string());
    EXPECT_FALSE(p.description.empty());
    EXPECT_FALSE(p.numa.empty());
    names.insert(p.name);
  }
  for (const char* kind : {"pcap", "null", "ring", "af_packet", "af_xdp", "memif", "intel-e810",
                           "intel-x710", "intel-82599", "nvidia-connectx6"}) {
    EXPECT_TRUE(names.count(kind)) << "hw-profiles/" << kind << ".yaml is missing";
  }
}

// The vendor-documented facts each physical profile must carry.
TEST(HwProfileTest, PhysicalProfilesMatchTheirNics) {
  struct Nic {
    const char* driver;
    uint16_t key_length;
  };
  const std::map<std::string, Nic> nics = {
      {"intel-e810", {"net_ice", 52}},
      {"intel-x710", {"net_i40e", 52}},
      {"intel-82599", {"net_ixgbe", 40}},
      {"nvidia-connectx6", {"mlx5_pci", 40}},
  };
  for (const auto& [name, nic] : nics) {
    SCOPED_TRACE(name);
    HwProfile p;
    std::string error;
    const fs::path file = SourceDir() / "hw-profiles" / (name + ".yaml");
    ASSERT_TRUE(LoadHwProfile(file.string(), &p, &error)) << error;
    EXPECT_FALSE(p.is_virtual);
    EXPECT_TRUE(p.vdevs.empty());
    EXPECT_EQ(p.driver, nic.driver);
    EXPECT_TRUE(p.rss_enabled && p.rss_symmetric);
    EXPECT_EQ(p.rss_key_length, nic.key_length);
  }
}

class HwProfileFileTest : public ::testing::Test {
 protected:
  void TearDown() override { std::remove(path_.c_str()); }

  // Writes `yaml` to a file of this test's own and loads it into profile_.
  bool Load(const std::string& yaml) {
    path_ = ::testing::TempDir() + "hw_profile_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".yaml";
    std::ofstream(path_) << yaml;
    error_.clear();
    return LoadHwProfile(path_, &profile_, &error_);
  }

  // Expects `yaml` to be refused at line:col with every one of `parts` in the message.
  void ExpectRefused(const std::string& yaml, int line, int col, std::initializer_list<std::string> parts) {
    ASSERT_FALSE(Load(yaml)) << "loaded:\n" << yaml;
    const std::string where = path_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
    EXPECT_EQ(error_.rfind(where, 0), 0u) << "expected " << where << "\ngot " << error_;
    for (const std::string& part : parts) EXPECT_TRUE(Contains(error_, part)) << part << " not in " << error_;
  }

  std::string path_, error_;
  HwProfile profile_;
};

constexpr char kHead[] = "name: t\ndriver: net_null\n";  // lines 1-2 of every case

TEST_F(HwProfileFileTest, ReadsEveryKey) {
  ASSERT_TRUE(Load(std::string(kHead) +
                   "description: d\n"
                   "virtual: true\n"
                   "vdevs: [\"net_null7\", \"net_null8\"]\n"
                   "queues: {rx: 3, tx: 5}\n"
                   "descriptors: {rx: 512, tx: 256}\n"
                   "burst: 64\n"
                   "mempool: {mbufs: 4095, cache: 128, data_room: 4096}\n"
                   "mtu: 3000\n"
                   "promiscuous: false\n"
                   "rss: {enabled: true, hash_fields: [ipv4, ipv6-udp], symmetric: true, key_length: 52}\n"
                   "offloads: {rx: [scatter, rss-hash], tx: [multi-segs]}\n"
                   "numa: n\n"))
      << error_;
  const HwProfile& p = profile_;
  EXPECT_EQ(p.name, "t");
  EXPECT_EQ(p.driver, "net_null");
  EXPECT_EQ(p.description, "d");
  EXPECT_EQ(p.numa, "n");
  EXPECT_EQ(p.path, path_);
  EXPECT_TRUE(p.is_virtual);
  EXPECT_EQ(p.vdevs, (std::vector<std::string>{"net_null7", "net_null8"}));
  EXPECT_EQ(p.rx_queues, 3);
  EXPECT_EQ(p.tx_queues, 5);
  EXPECT_EQ(p.rx_desc, 512);
  EXPECT_EQ(p.tx_desc, 256);
  EXPECT_EQ(p.burst, 64);
  EXPECT_EQ(p.mempool_mbufs, 4095u);
  EXPECT_EQ(p.mempool_cache, 128u);
  EXPECT_EQ(p.mbuf_data_room, 4096u);
  EXPECT_EQ(p.mtu, 3000u);
  EXPECT_FALSE(p.promiscuous);
  EXPECT_TRUE(p.rss_enabled);
  EXPECT_TRUE(p.rss_symmetric);
  EXPECT_EQ(p.rss_hash_fields, (std::vector<std::string>{"ipv4", "ipv6-udp"}));
  EXPECT_EQ(p.rss_key_length, 52);
  EXPECT_EQ(p.rx_offloads, (std::vector<std::string>{"scatter", "rss-hash"}));
  EXPECT_EQ(p.tx_offloads, (std::vector<std::string>{"multi-segs"}));
}

TEST_F(HwProfileFileTest, OmittedKeysKeepDefaults) {
  ASSERT_TRUE(Load(std::string(kHead) + "devargs: \"mprq_en=1\"\n")) << error_;
  const HwProfile d;
  EXPECT_EQ(profile_.devargs, "mprq_en=1");
  EXPECT_EQ(profile_.rx_queues, d.rx_queues);
  EXPECT_EQ(profile_.rx_desc, d.rx_desc);
  EXPECT_EQ(profile_.mempool_mbufs, d.mempool_mbufs);
  EXPECT_EQ(profile_.mtu, d.mtu);
  EXPECT_EQ(profile_.rss_enabled, d.rss_enabled);
  EXPECT_EQ(profile_.promiscuous, d.promiscuous);
}

TEST_F(HwProfileFileTest, RefusesUnknownKeys) {
  ExpectRefused(std::string(kHead) + "colour: red\n", 3, 1, {"unknown key 'colour'", "queues"});
  ExpectRefused(std::string(kHead) + "queues: {rx: 4, rz: 4}\n", 3, 17, {"queues.rz", "rx, tx"});
  ExpectRefused(std::string(kHead) + "rss:\n  enabled: false\n  hash: [ipv4]\n", 5, 3,
                {"rss.hash", "hash_fields"});
}

TEST_F(HwProfileFileTest, RefusesWrongTypes) {
  ExpectRefused(std::string(kHead) + "burst: fast\n", 3, 8, {"burst", "'fast'"});
  ExpectRefused(std::string(kHead) + "queues:\n  rx: [4]\n", 4, 7, {"queues.rx", "integer"});
  ExpectRefused(std::string(kHead) + "mtu: \"1500\"\n", 3, 6, {"mtu", "integer"});
  ExpectRefused(std::string(kHead) + "promiscuous: yes please\n", 3, 14, {"promiscuous", "true or false"});
  ExpectRefused(std::string(kHead) + "vdevs: net_null0\n", 3, 8, {"vdevs", "list"});
  ExpectRefused("name: null\ndriver: net_null\n", 1, 7, {"name", "got null", "quote"});
  ExpectRefused(std::string(kHead) + "queues: 4\n", 3, 9, {"queues", "mapping", "rx, tx"});
  ExpectRefused("- name: t\n", 1, 1, {"mapping"});
  ExpectRefused("", 1, 1, {"mapping"});
}

TEST_F(HwProfileFileTest, RefusesOutOfRangeNumbers) {
  ExpectRefused(std::string(kHead) + "queues: {rx: 2000, tx: 1}\n", 3, 14, {"queues.rx", "2000", "1..1024"});
  ExpectRefused(std::string(kHead) + "descriptors: {rx: 1024, tx: 32}\n", 3, 29,
                {"descriptors.tx", "64..32768"});
  ExpectRefused(std::string(kHead) + "burst: 0\n", 3, 8, {"burst", "1..512"});
  ExpectRefused(std::string(kHead) + "mtu: -1\n", 3, 6, {"mtu", "-1"});
  ExpectRefused(std::string(kHead) + "burst: 99999999999999999999\n", 3, 8, {"burst", "out of range"});
}

TEST_F(HwProfileFileTest, RefusesUnknownNamesListingTheAcceptedOnes) {
  ExpectRefused(std::string(kHead) + "rss:\n  enabled: true\n  hash_fields: [ipv4, ipv5]\n", 5, 23,
                {"RSS hash field 'ipv5'", "accepted:", "ipv4-tcp", "ipv6-udp"});
  ExpectRefused(std::string(kHead) + "offloads:\n  tx: [mbuf-fast-free, warp-drive]\n", 4, 24,
                {"tx offload 'warp-drive'", "multi-segs"});
  ExpectRefused(std::string(kHead) + "offloads:\n  rx: [mbuf-fast-free]\n", 4, 8,
                {"rx offload 'mbuf-fast-free'", "scatter"});
}

TEST_F(HwProfileFileTest, RefusesInconsistentProfiles) {
  ExpectRefused("name: t\n", 1, 1, {"missing required key 'driver'"});
  ExpectRefused(std::string(kHead) + "name: u\n", 3, 1, {"duplicate key 'name'"});
  ExpectRefused(std::string(kHead) + "vdevs: [net_null0]\n", 3, 8, {"vdevs", "virtual"});
  ExpectRefused(std::string(kHead) + "virtual: true\ndevargs: x=1\n", 4, 10, {"devargs", "vdevs"});
  ExpectRefused(std::string(kHead) + "rss: {enabled: true}\n", 3, 16, {"rss.enabled", "hash_fields"});
  ExpectRefused(std::string(kHead) + "rss: {symmetric: true}\n", 3, 18, {"rss.symmetric", "rss.enabled"});
  ExpectRefused(std::string(kHead) + "mempool: {mbufs: 600, cache: 512}\n", 3, 30, {"mempool.cache", "1.5"});
  ExpectRefused(std::string(kHead) + "queues: {rx: 8, tx: 1}\n", 1, 1, {"mempool.mbufs", "8192"});
  ExpectRefused(std::string(kHead) + "mtu: 9000\n", 3, 6, {"mtu 9000", "data_room", "scatter"});
}

TEST_F(HwProfileFileTest, JumboFramesFitWithScatterOrALargerDataRoom) {
  EXPECT_TRUE(Load(std::string(kHead) + "mtu: 9000\noffloads: {rx: [scatter]}\n")) << error_;
  EXPECT_TRUE(Load(std::string(kHead) + "mtu: 9000\nmempool: {data_room: 9154}\n")) << error_;
  EXPECT_FALSE(Load(std::string(kHead) + "mtu: 9000\nmempool: {data_room: 9153}\n"));
}

TEST_F(HwProfileFileTest, ReportsSyntaxErrorsAndMissingFiles) {
  ASSERT_FALSE(Load(std::string(kHead) + "queues: {rx: 4\n"));
  EXPECT_EQ(error_.rfind(path_ + ":", 0), 0u) << error_;
  EXPECT_TRUE(isdigit(static_cast<unsigned char>(error_[path_.size() + 1]))) << error_;

  HwProfile p;
  std::string error;
  EXPECT_FALSE(LoadHwProfile("/nonexistent/spamwall.yaml", &p, &error));
  EXPECT_EQ(error.rfind("/nonexistent/spamwall.yaml: cannot open", 0), 0u) << error;
}

}  // namespace
}  // namespace spamwall
