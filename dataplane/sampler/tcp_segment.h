// One TCP segment as the sampler sees it: the flow's addresses and ports,
// the TCP header fields reassembly needs and the payload. Read from a frame
// by the one packet parser (dataplane/core/packet_parse.h) plus the TCP
// header behind the ports; no DPDK, so the tests, the fuzzers and the
// offline tools build segments from bytes alone.
#ifndef SPAMWALL_DATAPLANE_SAMPLER_TCP_SEGMENT_H_
#define SPAMWALL_DATAPLANE_SAMPLER_TCP_SEGMENT_H_

#include <cstddef>
#include <cstdint>

namespace spamwall::sampler {

enum TcpFlags : uint8_t {
  kTcpFin = 0x01,
  kTcpSyn = 0x02,
  kTcpRst = 0x04,
  kTcpPsh = 0x08,
  kTcpAck = 0x10,
};

struct TcpSegmentView {
  uint8_t l3 = 0;            // SW_L3_IPV4 or SW_L3_IPV6
  uint8_t src[16] = {}, dst[16] = {};  // network order; IPv4 in bytes 0..3
  uint16_t sport = 0, dport = 0;       // host order
  uint32_t seq = 0, ack = 0;           // host order
  uint8_t flags = 0;                   // TcpFlags
  uint16_t window = 0;
  const uint8_t* payload = nullptr;    // into the frame; valid for the call only
  uint32_t payload_len = 0;            // bytes at `payload`
  uint32_t wire_payload_len = 0;       // by the IP length; more than payload_len when cut
};

enum class SegmentError : uint8_t {
  kNone = 0,
  kNotIp,          // no IPv4/IPv6 header
  kNotTcp,         // another transport, or a non-first fragment
  kMalformed,      // the packet parser's malformed verdict
  kBadTcpHeader,   // data offset < 5 or the header beyond the frame
};

// Reads a frame (Ethernet, VLAN/QinQ, PPPoE as the packet parser does).
// `frame_len` is the whole frame's length, `readable` how much of it lies
// at `frame` (a truncated capture carries less; its payload is cut there).
SegmentError ParseTcpSegment(const uint8_t* frame, uint32_t readable, uint32_t frame_len,
                             TcpSegmentView* out);

}  // namespace spamwall::sampler

#endif  // SPAMWALL_DATAPLANE_SAMPLER_TCP_SEGMENT_H_
