#include "dataplane/app/port_setup.h"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <vector>

#include "dataplane/app/eth_names.h"

namespace spamwall {
namespace {

uint64_t Bits(EthNameKind kind, const std::vector<std::string>& names) {
  uint64_t bits = 0;
  for (const std::string& name : names) bits |= EthNameBits(kind, name);
  return bits;
}

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

// Writes the log lines and the error of one port, each prefixed "port N (driver): ".
class PortLog {
 public:
  PortLog(uint16_t port, const char* driver, std::string* log, std::string* error)
      : prefix_("port " + std::to_string(port) + " (" + driver + "): "), log_(log), error_(error) {}

  void Line(const std::string& text) { *log_ += prefix_ + text + "\n"; }
  void Warn(const std::string& text) { Line("warning: " + text); }
  void Granted(const std::string& item, const std::string& requested, const std::string& granted) {
    Line(item + " requested " + requested + ", granted " + granted);
  }
  void Granted(const std::string& item, uint64_t requested, uint64_t granted) {
    Granted(item, std::to_string(requested), std::to_string(granted));
  }
  bool Fail(const std::string& what) {
    *error_ = prefix_ + what;
    return false;
  }
  bool Fail(const std::string& call, int ret) {
    return Fail(call + " failed: " + rte_strerror(-ret) + " (" + std::to_string(ret) + ")");
  }

 private:
  std::string prefix_;
  std::string* log_;
  std::string* error_;
};

// Masks the requested RSS fields by the device and fills conf's RSS part. `key`
// must outlive rte_eth_dev_configure.
void NegotiateRss(const HwProfile& profile, const rte_eth_dev_info& info, PortLog& out,
                  std::array<uint8_t, 256>& key, rte_eth_conf* conf, PortGrant* g) {
  if (!profile.rss_enabled) {
    out.Line("rss requested off");
    if (g->rx_queues > 1) {
      out.Warn("rx queues " + std::to_string(g->rx_queues) + " without RSS: only queue 0 receives");
    }
    return;
  }
  const uint64_t want = Bits(EthNameKind::kRssField, profile.rss_hash_fields);
  g->rss_hf = want & info.flow_type_rss_offloads;
  out.Granted("rss hash fields", EthNamesOf(EthNameKind::kRssField, want),
              EthNamesOf(EthNameKind::kRssField, g->rss_hf) + " (" + Hex(g->rss_hf) + ")");
  if (g->rss_hf == 0) {
    out.Warn("the device hashes none of the requested fields: RSS off");
    if (g->rx_queues > 1) out.Warn("only rx queue 0 of " + std::to_string(g->rx_queues) + " receives");
    return;
  }
  conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
  conf->rx_adv_conf.rss_conf.rss_hf = g->rss_hf;
  if (!profile.rss_symmetric) return;
  if (info.hash_key_size == 0) {
    out.Warn("symmetric rss key requested, but the device takes no key (hash_key_size 0); "
             "both directions of a flow may land on different queues");
    return;
  }
  // Drivers take a key of exactly their own size (i40e/ice 52, mlx5/ixgbe 40); the
  // 0x6d5a pattern is symmetric at any length, so the device's size is granted.
  const uint8_t len = info.hash_key_size;
  for (size_t i = 0; i < len; ++i) key[i] = (i % 2 == 0) ? 0x6d : 0x5a;
  conf->rx_adv_conf.rss_conf.rss_key = key.data();
  conf->rx_adv_conf.rss_conf.rss_key_len = len;
  out.Granted("symmetric rss key length", profile.rss_key_length, len);
}

// Masks the requested offloads by the device's capabilities.
void NegotiateOffloads(const HwProfile& profile, const rte_eth_dev_info& info, PortLog& out,
                       rte_eth_conf* conf, PortGrant* g) {
  const uint64_t want_rx = Bits(EthNameKind::kRxOffload, profile.rx_offloads);
  const uint64_t want_tx = Bits(EthNameKind::kTxOffload, profile.tx_offloads);
  g->rx_offloads = want_rx & info.rx_offload_capa;
  g->tx_offloads = want_tx & info.tx_offload_capa;
  // ethdev refuses an RSS hash in the mbuf without RSS distribution.
  if (conf->rxmode.mq_mode != RTE_ETH_MQ_RX_RSS && (g->rx_offloads & RTE_ETH_RX_OFFLOAD_RSS_HASH)) {
    g->rx_offloads &= ~RTE_ETH_RX_OFFLOAD_RSS_HASH;
    out.Warn("rx offload rss-hash dropped because RSS is off");
  }
  out.Granted("rx offloads", EthNamesOf(EthNameKind::kRxOffload, want_rx),
              EthNamesOf(EthNameKind::kRxOffload, g->rx_offloads));
  out.Granted("tx offloads", EthNamesOf(EthNameKind::kTxOffload, want_tx),
              EthNamesOf(EthNameKind::kTxOffload, g->tx_offloads));
  conf->rxmode.offloads = g->rx_offloads;
  conf->txmode.offloads = g->tx_offloads;
}

// Things that do not stop the port but cost packets or cycles later.
void CheckPool(uint16_t port, const rte_mempool* pool, const PortGrant& g, PortLog& out) {
  const uint64_t rx_ring_mbufs = uint64_t{g.rx_queues} * g.rx_desc;
  if (pool->size <= rx_ring_mbufs) {
    out.Warn("mempool " + std::string(pool->name) + " has " + std::to_string(pool->size) +
             " mbufs, and this port's rx rings alone hold " + std::to_string(rx_ring_mbufs));
  }
  const int socket = rte_eth_dev_socket_id(port);
  if (socket >= 0 && pool->socket_id >= 0 && pool->socket_id != socket) {
    out.Warn("mempool " + std::string(pool->name) + " is on NUMA socket " + std::to_string(pool->socket_id) +
             ", the port on socket " + std::to_string(socket) + ": every packet crosses sockets");
  }
}

}  // namespace

bool SetupPort(uint16_t port_id, const HwProfile& profile, struct rte_mempool* pool,
               PortGrant* grant, std::string* log, std::string* error) {
  if (!rte_eth_dev_is_valid_port(port_id)) {
    *error = "port " + std::to_string(port_id) + ": no such DPDK port";
    return false;
  }
  rte_eth_dev_info info;
  int ret = rte_eth_dev_info_get(port_id, &info);
  if (ret != 0) return PortLog(port_id, "?", log, error).Fail("rte_eth_dev_info_get", ret);
  PortLog out(port_id, info.driver_name, log, error);
  if (pool == nullptr) return out.Fail("no mempool given");
  if (profile.driver != info.driver_name) {
    out.Warn("profile " + profile.name + " (" + profile.path + ") is written for " + profile.driver +
             ", this port is driven by " + info.driver_name);
  }

  PortGrant g;
  g.driver = info.driver_name;
  g.rx_queues = std::min(profile.rx_queues, info.max_rx_queues);
  g.tx_queues = std::min(profile.tx_queues, info.max_tx_queues);
  if (g.rx_queues == 0 || g.tx_queues == 0) return out.Fail("the device reports no rx or tx queues");
  out.Granted("rx queues", profile.rx_queues, g.rx_queues);
  out.Granted("tx queues", profile.tx_queues, g.tx_queues);

  rte_eth_conf conf{};
  std::array<uint8_t, 256> key{};
  NegotiateRss(profile, info, out, key, &conf, &g);
  NegotiateOffloads(profile, info, out, &conf, &g);
  ret = rte_eth_dev_configure(port_id, g.rx_queues, g.tx_queues, &conf);
  if (ret != 0) return out.Fail("rte_eth_dev_configure", ret);

  g.rx_desc = profile.rx_desc;
  g.tx_desc = profile.tx_desc;
  ret = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &g.rx_desc, &g.tx_desc);
  if (ret != 0) return out.Fail("rte_eth_dev_adjust_nb_rx_tx_desc", ret);
  out.Granted("rx descriptors", profile.rx_desc, g.rx_desc);
  out.Granted("tx descriptors", profile.tx_desc, g.tx_desc);
  CheckPool(port_id, pool, g, out);

  const int socket = rte_eth_dev_socket_id(port_id);
  rte_eth_rxconf rxconf = info.default_rxconf;
  rxconf.offloads = g.rx_offloads;
  for (uint16_t q = 0; q < g.rx_queues; ++q) {
    ret = rte_eth_rx_queue_setup(port_id, q, g.rx_desc, socket, &rxconf, pool);
    if (ret != 0) return out.Fail("rte_eth_rx_queue_setup(queue " + std::to_string(q) + ")", ret);
  }
  rte_eth_txconf txconf = info.default_txconf;
  txconf.offloads = g.tx_offloads;
  for (uint16_t q = 0; q < g.tx_queues; ++q) {
    ret = rte_eth_tx_queue_setup(port_id, q, g.tx_desc, socket, &txconf);
    if (ret != 0) return out.Fail("rte_eth_tx_queue_setup(queue " + std::to_string(q) + ")", ret);
  }

  // Virtual PMDs often have no MTU control: ask only when it differs, and run with
  // what the port reports when refused.
  uint16_t mtu = 0;
  ret = rte_eth_dev_get_mtu(port_id, &mtu);
  if (ret != 0) return out.Fail("rte_eth_dev_get_mtu", ret);
  if (mtu != profile.mtu) {
    const std::string call = "rte_eth_dev_set_mtu(" + std::to_string(profile.mtu) + ")";
    ret = profile.mtu > UINT16_MAX ? -EINVAL
                                   : rte_eth_dev_set_mtu(port_id, static_cast<uint16_t>(profile.mtu));
    if (ret != 0) out.Warn(call + " refused: " + rte_strerror(-ret));
    if ((ret = rte_eth_dev_get_mtu(port_id, &mtu)) != 0) return out.Fail("rte_eth_dev_get_mtu", ret);
  }
  g.mtu = mtu;
  out.Granted("mtu", profile.mtu, g.mtu);

  ret = rte_eth_dev_start(port_id);
  if (ret != 0) return out.Fail("rte_eth_dev_start", ret);

  // Only ask for a change. A PMD without a promiscuous switch answers -ENOTSUP,
  // which is no fault; any other refusal leaves a bump in the wire deaf to most frames.
  std::string note;
  if (rte_eth_promiscuous_get(port_id) != (profile.promiscuous ? 1 : 0)) {
    ret = profile.promiscuous ? rte_eth_promiscuous_enable(port_id) : rte_eth_promiscuous_disable(port_id);
    if (ret == -ENOTSUP) {
      note = " (the PMD has no promiscuous switch)";
    } else if (ret != 0) {
      out.Warn(std::string("rte_eth_promiscuous_") + (profile.promiscuous ? "enable" : "disable") +
               " failed: " + rte_strerror(-ret));
    }
  }
  out.Granted("promiscuous", profile.promiscuous ? "on" : "off",
              (rte_eth_promiscuous_get(port_id) == 1 ? "on" : "off") + note);
  *grant = g;
  return true;
}

}  // namespace spamwall
