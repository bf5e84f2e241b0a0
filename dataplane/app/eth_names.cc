#include "dataplane/app/eth_names.h"

#include <rte_ether.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <span>

namespace spamwall {

static_assert(kMempoolCacheMax == RTE_MEMPOOL_CACHE_MAX_SIZE);
static_assert(kMbufHeadroom == RTE_PKTMBUF_HEADROOM);
static_assert(kL2Overhead == RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 2 * RTE_VLAN_HLEN);

namespace {

struct EthName {
  const char* name;
  uint64_t bits;
};

// Plain "ipv4"/"ipv6" hash on addresses for every packet of the family; NICs split
// that into different bits (ixgbe has IPV4, i40e has FRAG_IPV4 + NONFRAG_IPV4_OTHER),
// so the name asks for all of them and the device keeps what it has. The
// *_SRC_ONLY/*_DST_ONLY modifiers are left out on purpose: they would send the two
// directions of a flow to different queues.
constexpr EthName kRssFields[] = {
    {"ipv4", RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_OTHER},
    {"ipv4-tcp", RTE_ETH_RSS_NONFRAG_IPV4_TCP},
    {"ipv4-udp", RTE_ETH_RSS_NONFRAG_IPV4_UDP},
    {"ipv4-sctp", RTE_ETH_RSS_NONFRAG_IPV4_SCTP},
    {"ipv6", RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_FRAG_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_OTHER},
    {"ipv6-tcp", RTE_ETH_RSS_NONFRAG_IPV6_TCP},
    {"ipv6-udp", RTE_ETH_RSS_NONFRAG_IPV6_UDP},
    {"ipv6-sctp", RTE_ETH_RSS_NONFRAG_IPV6_SCTP},
    {"ipv6-ex", RTE_ETH_RSS_IPV6_EX},
    {"ipv6-tcp-ex", RTE_ETH_RSS_IPV6_TCP_EX},
    {"ipv6-udp-ex", RTE_ETH_RSS_IPV6_UDP_EX},
    {"l2-payload", RTE_ETH_RSS_L2_PAYLOAD},
    {"eth", RTE_ETH_RSS_ETH},
    {"s-vlan", RTE_ETH_RSS_S_VLAN},
    {"c-vlan", RTE_ETH_RSS_C_VLAN},
    {"pppoe", RTE_ETH_RSS_PPPOE},
    {"mpls", RTE_ETH_RSS_MPLS},
    {"port", RTE_ETH_RSS_PORT},
    {"vxlan", RTE_ETH_RSS_VXLAN},
    {"geneve", RTE_ETH_RSS_GENEVE},
    {"nvgre", RTE_ETH_RSS_NVGRE},
    {"gtpu", RTE_ETH_RSS_GTPU},
    {"esp", RTE_ETH_RSS_ESP},
    {"ah", RTE_ETH_RSS_AH},
    {"l2tpv2", RTE_ETH_RSS_L2TPV2},
    {"l2tpv3", RTE_ETH_RSS_L2TPV3},
    {"pfcp", RTE_ETH_RSS_PFCP},
    {"ecpri", RTE_ETH_RSS_ECPRI},
};

constexpr EthName kRxOffloads[] = {
    {"vlan-strip", RTE_ETH_RX_OFFLOAD_VLAN_STRIP},
    {"ipv4-cksum", RTE_ETH_RX_OFFLOAD_IPV4_CKSUM},
    {"udp-cksum", RTE_ETH_RX_OFFLOAD_UDP_CKSUM},
    {"tcp-cksum", RTE_ETH_RX_OFFLOAD_TCP_CKSUM},
    {"sctp-cksum", RTE_ETH_RX_OFFLOAD_SCTP_CKSUM},
    {"outer-ipv4-cksum", RTE_ETH_RX_OFFLOAD_OUTER_IPV4_CKSUM},
    {"outer-udp-cksum", RTE_ETH_RX_OFFLOAD_OUTER_UDP_CKSUM},
    {"tcp-lro", RTE_ETH_RX_OFFLOAD_TCP_LRO},
    {"qinq-strip", RTE_ETH_RX_OFFLOAD_QINQ_STRIP},
    {"macsec-strip", RTE_ETH_RX_OFFLOAD_MACSEC_STRIP},
    {"vlan-filter", RTE_ETH_RX_OFFLOAD_VLAN_FILTER},
    {"vlan-extend", RTE_ETH_RX_OFFLOAD_VLAN_EXTEND},
    {"scatter", RTE_ETH_RX_OFFLOAD_SCATTER},
    {"timestamp", RTE_ETH_RX_OFFLOAD_TIMESTAMP},
    {"security", RTE_ETH_RX_OFFLOAD_SECURITY},
    {"keep-crc", RTE_ETH_RX_OFFLOAD_KEEP_CRC},
    {"rss-hash", RTE_ETH_RX_OFFLOAD_RSS_HASH},
    {"buffer-split", RTE_ETH_RX_OFFLOAD_BUFFER_SPLIT},
};

constexpr EthName kTxOffloads[] = {
    {"vlan-insert", RTE_ETH_TX_OFFLOAD_VLAN_INSERT},
    {"qinq-insert", RTE_ETH_TX_OFFLOAD_QINQ_INSERT},
    {"ipv4-cksum", RTE_ETH_TX_OFFLOAD_IPV4_CKSUM},
    {"udp-cksum", RTE_ETH_TX_OFFLOAD_UDP_CKSUM},
    {"tcp-cksum", RTE_ETH_TX_OFFLOAD_TCP_CKSUM},
    {"sctp-cksum", RTE_ETH_TX_OFFLOAD_SCTP_CKSUM},
    {"outer-ipv4-cksum", RTE_ETH_TX_OFFLOAD_OUTER_IPV4_CKSUM},
    {"outer-udp-cksum", RTE_ETH_TX_OFFLOAD_OUTER_UDP_CKSUM},
    {"tcp-tso", RTE_ETH_TX_OFFLOAD_TCP_TSO},
    {"udp-tso", RTE_ETH_TX_OFFLOAD_UDP_TSO},
    {"vxlan-tnl-tso", RTE_ETH_TX_OFFLOAD_VXLAN_TNL_TSO},
    {"gre-tnl-tso", RTE_ETH_TX_OFFLOAD_GRE_TNL_TSO},
    {"ipip-tnl-tso", RTE_ETH_TX_OFFLOAD_IPIP_TNL_TSO},
    {"geneve-tnl-tso", RTE_ETH_TX_OFFLOAD_GENEVE_TNL_TSO},
    {"udp-tnl-tso", RTE_ETH_TX_OFFLOAD_UDP_TNL_TSO},
    {"ip-tnl-tso", RTE_ETH_TX_OFFLOAD_IP_TNL_TSO},
    {"macsec-insert", RTE_ETH_TX_OFFLOAD_MACSEC_INSERT},
    {"mt-lockfree", RTE_ETH_TX_OFFLOAD_MT_LOCKFREE},
    {"multi-segs", RTE_ETH_TX_OFFLOAD_MULTI_SEGS},
    {"mbuf-fast-free", RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE},
    {"security", RTE_ETH_TX_OFFLOAD_SECURITY},
    {"send-on-timestamp", RTE_ETH_TX_OFFLOAD_SEND_ON_TIMESTAMP},
};

std::span<const EthName> Table(EthNameKind kind) {
  switch (kind) {
    case EthNameKind::kRssField: return kRssFields;
    case EthNameKind::kRxOffload: return kRxOffloads;
    case EthNameKind::kTxOffload: return kTxOffloads;
  }
  return {};
}

}  // namespace

const char* EthNameKindLabel(EthNameKind kind) {
  switch (kind) {
    case EthNameKind::kRssField: return "RSS hash field";
    case EthNameKind::kRxOffload: return "rx offload";
    case EthNameKind::kTxOffload: return "tx offload";
  }
  return "name";
}

uint64_t EthNameBits(EthNameKind kind, std::string_view name) {
  for (const EthName& e : Table(kind)) {
    if (name == e.name) return e.bits;
  }
  return 0;
}

std::string EthNameList(EthNameKind kind) {
  std::string out;
  for (const EthName& e : Table(kind)) {
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

std::string EthNamesOf(EthNameKind kind, uint64_t bits) {
  std::string out = "[";
  for (const EthName& e : Table(kind)) {
    if ((e.bits & bits) == 0) continue;
    if (out.size() > 1) out += ", ";
    out += e.name;
  }
  return out + "]";
}

}  // namespace spamwall
