#include "dataplane/app/port_setup.h"

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "dataplane/app/eth_names.h"

namespace spamwall {
namespace {

// EAL starts once per process, so one environment serves every test here.
class Eal : public ::testing::Environment {
 public:
  static inline rte_mempool* pool = nullptr;

  void SetUp() override {
    // --no-shconf and a per-process prefix let ctest -j run EAL tests side by side.
    args_ = {"port_setup_test", "--no-huge", "-m", "256", "--no-pci", "--no-shconf", "--no-telemetry",
             "--file-prefix=spamwall_port_setup_test_" + std::to_string(getpid()),
             "--vdev=net_null0", "--vdev=net_ring0", "--log-level=*:warning"};
    std::vector<char*> argv;
    for (std::string& a : args_) argv.push_back(a.data());
    ASSERT_GE(rte_eal_init(static_cast<int>(argv.size()), argv.data()), 0) << rte_strerror(rte_errno);
    runtime_dir_ = rte_eal_get_runtime_dir();
    pool = rte_pktmbuf_pool_create("port_setup_test", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    ASSERT_NE(pool, nullptr) << rte_strerror(rte_errno);
  }

  void TearDown() override {
    uint16_t port;
    RTE_ETH_FOREACH_DEV(port) {
      rte_eth_dev_stop(port);
      rte_eth_dev_close(port);
    }
    rte_mempool_free(pool);
    rte_eal_cleanup();
    rmdir(runtime_dir_.c_str());  // empty with --no-shconf --no-telemetry, but EAL leaves it
  }

 private:
  std::vector<std::string> args_;
  std::string runtime_dir_;
};

const auto* const kEal = ::testing::AddGlobalTestEnvironment(new Eal);

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class PortSetupTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(Eal::pool, nullptr) << "EAL did not start"; }
  void TearDown() override {
    if (port_ != RTE_MAX_ETHPORTS) rte_eth_dev_stop(port_);  // the next test configures it again
  }

  // The shipped profile, so the tests run the files production reads.
  HwProfile Profile(const std::string& name) {
    const char* dir = std::getenv("SPAMWALL_SOURCE_DIR");
    const std::filesystem::path root = dir != nullptr && *dir != '\0' ? dir : ".";
    HwProfile p;
    std::string error;
    EXPECT_TRUE(LoadHwProfile((root / "hw-profiles" / (name + ".yaml")).string(), &p, &error)) << error;
    return p;
  }

  uint16_t Port(const char* name) {
    EXPECT_EQ(rte_eth_dev_get_port_by_name(name, &port_), 0) << name;
    return port_;
  }

  rte_eth_dev_info Info() {
    rte_eth_dev_info info;
    EXPECT_EQ(rte_eth_dev_info_get(port_, &info), 0);
    return info;
  }

  // "port 3 (net_ring): "
  std::string Prefix(const char* driver) { return "port " + std::to_string(port_) + " (" + driver + "): "; }

  uint16_t port_ = RTE_MAX_ETHPORTS;
  PortGrant grant_;
  std::string log_, error_;
};

TEST_F(PortSetupTest, NullProfileStartsAPortThatMovesPackets) {
  const HwProfile profile = Profile("null");
  const uint16_t port = Port("net_null0");
  ASSERT_TRUE(SetupPort(port, profile, Eal::pool, &grant_, &log_, &error_)) << error_;
  EXPECT_EQ(grant_.driver, "net_null");
  EXPECT_EQ(grant_.rx_queues, profile.rx_queues);
  EXPECT_EQ(grant_.tx_queues, profile.tx_queues);
  EXPECT_EQ(grant_.mtu, profile.mtu);
  EXPECT_TRUE(Contains(log_, Prefix("net_null") + "rx queues requested 1, granted 1\n")) << log_;
  EXPECT_TRUE(Contains(log_, Prefix("net_null") + "rss requested off\n")) << log_;
  EXPECT_FALSE(Contains(log_, "warning")) << "the null profile fits net_null:\n" << log_;

  // net_null invents packets on rx from the pool it was given and frees on tx.
  rte_mbuf* pkts[32];
  const uint16_t n = rte_eth_rx_burst(port, 0, pkts, profile.burst);
  ASSERT_GT(n, 0);
  EXPECT_EQ(pkts[0]->pool, Eal::pool);
  const uint16_t sent = rte_eth_tx_burst(port, 0, pkts, n);
  rte_pktmbuf_free_bulk(pkts + sent, n - sent);
  EXPECT_EQ(sent, n);
}

TEST_F(PortSetupTest, RingProfileLoopsPacketsBack) {
  const HwProfile profile = Profile("ring");
  const uint16_t port = Port("net_ring0");
  ASSERT_TRUE(SetupPort(port, profile, Eal::pool, &grant_, &log_, &error_)) << error_;
  EXPECT_EQ(grant_.driver, "net_ring");
  EXPECT_TRUE(Contains(log_, Prefix("net_ring") + "tx queues requested 1, granted 1\n")) << log_;
  EXPECT_FALSE(Contains(log_, "warning")) << "the ring profile fits net_ring:\n" << log_;

  // --vdev net_ring0 is a loopback: what tx queue 0 takes, rx queue 0 returns.
  rte_mbuf* m = rte_pktmbuf_alloc(Eal::pool);
  ASSERT_NE(m, nullptr);
  ASSERT_NE(rte_pktmbuf_append(m, 64), nullptr);
  ASSERT_EQ(rte_eth_tx_burst(port, 0, &m, 1), 1);
  rte_mbuf* back = nullptr;
  ASSERT_EQ(rte_eth_rx_burst(port, 0, &back, 1), 1);
  EXPECT_EQ(back, m);
  rte_pktmbuf_free(back);
}

TEST_F(PortSetupTest, RequestBeyondTheDeviceIsClampedMaskedAndLogged) {
  HwProfile profile = Profile("ring");
  profile.rx_queues = profile.tx_queues = 64;
  profile.rss_enabled = profile.rss_symmetric = true;
  profile.rss_hash_fields = {"ipv4", "ipv4-tcp"};
  profile.rx_offloads = {"ipv4-cksum", "scatter", "rss-hash"};
  profile.tx_offloads = {"multi-segs", "mbuf-fast-free"};
  Port("net_ring0");
  const rte_eth_dev_info info = Info();
  ASSERT_LT(info.max_rx_queues, 64) << "the request must exceed the device for this test to mean anything";

  ASSERT_TRUE(SetupPort(port_, profile, Eal::pool, &grant_, &log_, &error_)) << error_;
  EXPECT_EQ(grant_.rx_queues, info.max_rx_queues);
  EXPECT_EQ(grant_.tx_queues, std::min<uint16_t>(64, info.max_tx_queues));
  const uint64_t want_rss =
      EthNameBits(EthNameKind::kRssField, "ipv4") | EthNameBits(EthNameKind::kRssField, "ipv4-tcp");
  EXPECT_EQ(grant_.rss_hf, want_rss & info.flow_type_rss_offloads);
  EXPECT_EQ(grant_.rx_offloads & ~info.rx_offload_capa, 0u);
  EXPECT_EQ(grant_.tx_offloads & ~info.tx_offload_capa, 0u);
  EXPECT_EQ(grant_.tx_offloads, (RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) &
                                    info.tx_offload_capa);
  if (grant_.rss_hf == 0) {
    EXPECT_EQ(grant_.rx_offloads & RTE_ETH_RX_OFFLOAD_RSS_HASH, 0u) << "rss-hash needs RSS";
  }

  const std::string p = Prefix("net_ring");
  const std::string granted = std::to_string(info.max_rx_queues);
  EXPECT_TRUE(Contains(log_, p + "rx queues requested 64, granted " + granted + "\n")) << log_;
  EXPECT_TRUE(Contains(log_, p + "rss hash fields requested [ipv4, ipv4-tcp], granted " +
                                 EthNamesOf(EthNameKind::kRssField, grant_.rss_hf)))
      << log_;
  EXPECT_TRUE(Contains(log_, p + "rx offloads requested [ipv4-cksum, scatter, rss-hash], granted " +
                                 EthNamesOf(EthNameKind::kRxOffload, grant_.rx_offloads) + "\n"))
      << log_;
  EXPECT_TRUE(Contains(log_, p + "tx offloads requested [multi-segs, mbuf-fast-free], granted " +
                                 EthNamesOf(EthNameKind::kTxOffload, grant_.tx_offloads) + "\n"))
      << log_;
}

TEST_F(PortSetupTest, RssIsGrantedWhereTheDeviceHashes) {
  HwProfile profile = Profile("null");
  profile.rx_queues = 8;
  profile.rss_enabled = profile.rss_symmetric = true;
  profile.rss_hash_fields = {"ipv4", "ipv6", "ipv4-tcp", "ipv6-tcp"};
  Port("net_null0");
  const rte_eth_dev_info info = Info();
  uint64_t want = 0;
  for (const std::string& field : profile.rss_hash_fields) want |= EthNameBits(EthNameKind::kRssField, field);
  ASSERT_NE(want & info.flow_type_rss_offloads, 0u) << "net_null is expected to advertise RSS";
  ASSERT_GE(info.max_rx_queues, 8);

  ASSERT_TRUE(SetupPort(port_, profile, Eal::pool, &grant_, &log_, &error_)) << error_;
  EXPECT_EQ(grant_.rx_queues, 8);
  EXPECT_EQ(grant_.rss_hf, want & info.flow_type_rss_offloads);
  if (info.hash_key_size == 0) {
    EXPECT_TRUE(Contains(log_, "the device takes no key (hash_key_size 0)")) << log_;
  } else {
    EXPECT_TRUE(Contains(log_, "symmetric rss key length requested 40, granted " +
                                   std::to_string(info.hash_key_size)))
        << log_;
  }
  rte_mbuf* pkts[4];
  const uint16_t n = rte_eth_rx_burst(port_, 7, pkts, 4);  // the last queue was set up too
  EXPECT_GT(n, 0);
  rte_pktmbuf_free_bulk(pkts, n);
}

TEST_F(PortSetupTest, MtuIsGrantedOrTheRefusalWarned) {
  HwProfile profile = Profile("ring");
  profile.mtu = 9000;
  Port("net_ring0");
  ASSERT_TRUE(SetupPort(port_, profile, Eal::pool, &grant_, &log_, &error_)) << error_;
  uint16_t mtu = 0;
  ASSERT_EQ(rte_eth_dev_get_mtu(port_, &mtu), 0);
  EXPECT_EQ(grant_.mtu, mtu);
  const std::string line = "mtu requested 9000, granted " + std::to_string(mtu) + "\n";
  EXPECT_TRUE(Contains(log_, Prefix("net_ring") + line)) << log_;
  if (mtu != 9000) {
    EXPECT_TRUE(Contains(log_, "warning: rte_eth_dev_set_mtu(9000) refused: ")) << log_;
  }
}

TEST_F(PortSetupTest, AProfileForAnotherNicRunsWithAWarning) {
  const HwProfile profile = Profile("intel-e810");
  Port("net_null0");
  ASSERT_TRUE(SetupPort(port_, profile, Eal::pool, &grant_, &log_, &error_)) << error_;
  EXPECT_TRUE(Contains(log_, Prefix("net_null") + "warning: profile intel-e810")) << log_;
  EXPECT_TRUE(Contains(log_, "written for net_ice, this port is driven by net_null")) << log_;
}

TEST_F(PortSetupTest, FailuresNameThePortAndTheCall) {
  const HwProfile profile = Profile("null");
  EXPECT_FALSE(SetupPort(RTE_MAX_ETHPORTS - 1, profile, Eal::pool, &grant_, &log_, &error_));
  EXPECT_EQ(error_, "port " + std::to_string(RTE_MAX_ETHPORTS - 1) + ": no such DPDK port");

  // A started port cannot be configured again.
  Port("net_null0");
  ASSERT_TRUE(SetupPort(port_, profile, Eal::pool, &grant_, &log_, &error_)) << error_;
  EXPECT_FALSE(SetupPort(port_, profile, Eal::pool, &grant_, &log_, &error_));
  EXPECT_EQ(error_.rfind(Prefix("net_null") + "rte_eth_dev_configure failed: ", 0), 0u) << error_;
}

}  // namespace
}  // namespace spamwall
