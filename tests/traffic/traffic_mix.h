// A deterministic, realistic mix of access-link traffic for benchmarks,
// demos (examples/traffic.pcap) and tests: consumer and business subscribers
// (IPv4 and IPv6) browsing (HTTPS/HTTP, QUIC), resolving (DNS), ssh, IMAP/POP,
// VPN (UDP 500/4500/1194), submitting mail (587/465), business and relay SMTP,
// inbound mail to the MX, and the traffic the policy exists for: spam bots on
// consumer port 25, consumers at the ISP's MX, quarantined subscribers. A few
// frames are VLAN/QinQ/PPPoE encapsulated, fragmented or malformed.
//
// TCP flows are whole sessions (handshake, SMTP dialogues with real commands,
// bulk data segmented by the MSS with ACKs, FIN) with consistent sequence
// numbers; flows interleave. About one packet in seven is on a mail port.
// The same options (seed included) always give the same frames.
#ifndef SPAMWALL_TESTS_TRAFFIC_TRAFFIC_MIX_H_
#define SPAMWALL_TESTS_TRAFFIC_TRAFFIC_MIX_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "control/policy/policy.h"
#include "dataplane/core/prefix.h"

namespace spamwall::traffic {

// Where the generator draws addresses from (IPv4 and IPv6 mixed in each list).
struct AddressPools {
  std::vector<Prefix> consumer;
  std::vector<Prefix> business;
  std::vector<Prefix> mx_servers;
  std::vector<Prefix> authorized_relays;
  std::vector<Prefix> quarantine;  // subscribers whose mail is stopped
  std::vector<Prefix> exempt;      // consumers allowed out on port 25
  std::vector<Prefix> external;    // the rest of the Internet
};

// The pools of examples/policy.yaml, with external hosts in documentation
// space: 192.0.2.0/24, 233.252.0.0/24 and 3fff::/20 (RFC 9637; outside the
// example's internal 2001:db8::/32).
AddressPools ExamplePools();

// The documentation-space external prefixes above.
std::vector<Prefix> DocumentationExternals();

// The pools of a loaded policy (exemptions that have expired by `today` are
// left out), with `external` as the rest of the Internet.
AddressPools PoolsFromPolicy(const Policy& policy, Day today, std::vector<Prefix> external);

enum class FlowKind : uint8_t {
  kWeb,              // TCP 443/80
  kQuic,             // UDP 443
  kDns,              // UDP 53
  kSsh,              // TCP 22
  kMailbox,          // IMAP/POP: TCP 143, 993, 110, 995
  kVpn,              // UDP 500, 4500, 1194 and TCP 1194
  kOther,            // NTP, ICMP echo, UDP on high ports
  kSubmission,       // subscriber -> 587/465
  kBusinessSmtp,     // business <-> world on 25
  kRelaySmtp,        // authorized relay -> MX and -> world on 25
  kInboundMx,        // world -> MX on 25
  kExemptSmtp,       // exempt consumer -> world on 25
  kZombieSmtp,       // consumer spam bot -> world on 25 (SYNs: the replies never come)
  kConsumerToMx,     // consumer -> the ISP's MX on 25
  kQuarantinedMail,  // quarantined subscriber -> 25/587
  kFragment,         // IPv4/IPv6 fragments of large UDP datagrams
  kMalformed,        // broken IP headers
  kCount
};

const char* FlowKindName(FlowKind kind);
// Whether every packet of this kind is TCP on an smtp or submission port.
bool IsMailPortKind(FlowKind kind);

struct TrafficMixOptions {
  uint64_t seed = 1;
  size_t packets = 10000;
  size_t flows = 1000;        // concurrent flows (connections) the packets are spread over
  AddressPools pools = ExamplePools();
  double ipv6_share = 0.3;    // of the flows where both ends have IPv6 pools
  uint16_t mtu = 1500;        // IP MTU (PPPoE flows: 8 less); frames are 60..mtu+14 bytes
                              // plus 4 per VLAN tag
  // > 0: payloads are cut so that no frame is longer than this (headers are
  // never cut; 60 makes the 64-byte mix, 64 on the wire with the FCS).
  // Sequence numbers still count the whole payload: for rate tests only.
  size_t max_frame = 0;
};

struct TrafficPacket {
  std::vector<uint8_t> frame;
  FlowKind kind = FlowKind::kOther;
  // What a policy built from the same pools must decide (enum sw_reason;
  // enforce mode drops iff it is not none). Holds when the pools do not
  // overlap each other, as in examples/policy.yaml.
  uint8_t expect_reason = 0;
};

std::vector<TrafficPacket> GenerateLabeledTrafficMix(const TrafficMixOptions& options);
std::vector<std::vector<uint8_t>> GenerateTrafficMix(const TrafficMixOptions& options);

}  // namespace spamwall::traffic

#endif  // SPAMWALL_TESTS_TRAFFIC_TRAFFIC_MIX_H_
