// The names a hw-profile uses for RSS hash fields and offloads, and the DPDK limits
// the profile loader checks. Declared without DPDK types so that the loader (and its
// tests) need no DPDK headers; eth_names.cc holds the one table both sides read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace spamwall {

enum class EthNameKind { kRssField, kRxOffload, kTxOffload };

// "RSS hash field", "rx offload", "tx offload": for messages.
const char* EthNameKindLabel(EthNameKind kind);

// The RTE_ETH_RSS_* / RTE_ETH_{RX,TX}_OFFLOAD_* bits of `name`; 0 when unknown.
uint64_t EthNameBits(EthNameKind kind, std::string_view name);

// Every accepted name, "a, b, c", for error messages.
std::string EthNameList(EthNameKind kind);

// The names whose bits intersect `bits`, "[a, b]", for requested-vs-granted logs.
std::string EthNamesOf(EthNameKind kind, uint64_t bits);

// DPDK limits, checked against the real macros in eth_names.cc.
inline constexpr uint32_t kMempoolCacheMax = 512;  // RTE_MEMPOOL_CACHE_MAX_SIZE
inline constexpr uint32_t kMbufHeadroom = 128;     // RTE_PKTMBUF_HEADROOM
// Ethernet header + CRC + two VLAN tags (the parser takes QinQ): frame = MTU + this.
inline constexpr uint32_t kL2Overhead = 14 + 4 + 2 * 4;

}  // namespace spamwall
