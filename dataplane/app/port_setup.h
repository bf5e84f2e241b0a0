// Brings up one DPDK port from a hw-profile, treating the profile as a request:
// what the device cannot do is clamped or masked, and every item is logged as
// requested vs granted so an operator sees what the NIC actually runs with.
#pragma once

#include <cstdint>
#include <string>

#include "dataplane/app/hw_profile.h"

struct rte_mempool;

namespace spamwall {

// What the port was configured with; bit masks are RTE_ETH_RSS_* / RTE_ETH_*_OFFLOAD_*.
struct PortGrant {
  uint16_t rx_queues = 0, tx_queues = 0, rx_desc = 0, tx_desc = 0;
  uint64_t rss_hf = 0;
  uint64_t rx_offloads = 0, tx_offloads = 0;
  uint32_t mtu = 0;
  std::string driver;
};

// Negotiates `profile` against rte_eth_dev_info_get, configures the port, sets up
// every queue on `pool`, sets MTU and promiscuous mode (warning when refused) and
// starts it. Appends one line per item to *log ("port 0 (net_null): rx queues
// requested 4, granted 1"), plus warnings (driver differs from the profile's,
// pool too small, pool on another NUMA socket). On failure returns false and sets
// *error to the port, the failing DPDK call and rte_strerror.
bool SetupPort(uint16_t port_id, const HwProfile& profile, struct rte_mempool* pool,
               PortGrant* grant, std::string* log, std::string* error);

}  // namespace spamwall
