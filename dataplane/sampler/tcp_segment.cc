#include "dataplane/sampler/tcp_segment.h"

#include <cstring>

#include "dataplane/core/packet_parse.h"

namespace spamwall::sampler {

namespace {

uint32_t Be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

SegmentError ParseTcpSegment(const uint8_t* frame, uint32_t readable, uint32_t frame_len,
                             TcpSegmentView* out) {
  *out = TcpSegmentView{};
  sw_parsed p;
  sw_parse_frame(frame, readable, frame_len, &p);
  if (p.l3 == SW_L3_NONE) return SegmentError::kNotIp;
  if (p.malformed != SW_MALFORMED_NONE) return SegmentError::kMalformed;
  if (p.l4_proto != SW_IPPROTO_TCP || p.non_first_fragment || !p.has_ports)
    return SegmentError::kNotTcp;
  // The IP header's own length bounds the segment (Ethernet padding is not
  // payload); what the capture holds bounds what can be read.
  const uint32_t limit = readable < frame_len ? readable : frame_len;
  const uint64_t l4_end = uint64_t{p.l4_offset} + p.l4_length;
  if (uint64_t{p.l4_offset} + 20 > limit || p.l4_length < 20) return SegmentError::kBadTcpHeader;
  const uint8_t* tcp = frame + p.l4_offset;
  const uint32_t header = uint32_t{static_cast<uint8_t>(tcp[12] >> 4)} * 4;
  if (header < 20 || header > p.l4_length || p.l4_offset + header > limit)
    return SegmentError::kBadTcpHeader;
  out->l3 = p.l3;
  std::memcpy(out->src, p.src, sizeof(out->src));
  std::memcpy(out->dst, p.dst, sizeof(out->dst));
  out->sport = p.sport;
  out->dport = p.dport;
  out->seq = Be32(tcp + 4);
  out->ack = Be32(tcp + 8);
  out->flags = tcp[13];
  out->window = static_cast<uint16_t>((tcp[14] << 8) | tcp[15]);
  const uint64_t payload_start = p.l4_offset + header;
  const uint64_t payload_end = l4_end < limit ? l4_end : limit;
  out->payload = frame + payload_start;
  out->payload_len = payload_end > payload_start ? static_cast<uint32_t>(payload_end - payload_start) : 0;
  out->wire_payload_len = p.l4_length - header;
  return SegmentError::kNone;
}

}  // namespace spamwall::sampler
