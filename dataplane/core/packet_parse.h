/* The packet parser of docs/verdict-semantics.md, written once.
 *
 * Plain C99 in a header on purpose: the DPDK path, the tools and the tests
 * include it from C++, and the XDP program (bpf/) includes it from C compiled
 * with `clang -target bpf`. Every read is bounds-checked against `end` before
 * it happens and every loop has a constant bound, so the verifier accepts it.
 *
 * It reads only what the verdict needs: L3 family, addresses, whether the
 * packet is TCP, fragment position, ports, and why a packet is malformed.
 */
#ifndef SPAMWALL_DATAPLANE_CORE_PACKET_PARSE_H_
#define SPAMWALL_DATAPLANE_CORE_PACKET_PARSE_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Why a packet is malformed (all map to the verdict reason `malformed`). */
enum sw_malformed {
  SW_MALFORMED_NONE = 0,
  SW_MALFORMED_L3_TRUNCATED,      /* IP header does not fit in the frame */
  SW_MALFORMED_BAD_VERSION,       /* ethertype says IPvX, version nibble disagrees */
  SW_MALFORMED_BAD_IHL,           /* IPv4 IHL < 5 */
  SW_MALFORMED_BAD_TOTAL_LENGTH,  /* IPv4 total length < IHL*4 or beyond the frame */
  SW_MALFORMED_BAD_PAYLOAD_LENGTH,/* IPv6 payload length beyond the frame */
  SW_MALFORMED_EXT_CHAIN,         /* IPv6 extension chain past the packet, or too long */
  SW_MALFORMED_NO_PORTS,          /* TCP (first fragment or not) too short to hold ports */
  SW_MALFORMED_COUNT
};

#define SW_MAX_VLAN_TAGS 2
/* An IPv6 chain longer than this is refused as malformed (RFC 9098 asks
 * middleboxes to bound the chain; this bound is the same in XDP). */
#define SW_MAX_IPV6_EXT_HEADERS 8

#define SW_L3_NONE 0
#define SW_L3_IPV4 4
#define SW_L3_IPV6 6

#define SW_IPPROTO_TCP 6

struct sw_parsed {
  uint8_t l3;              /* SW_L3_*: NONE means "not IP" (rule 1) */
  uint8_t l4_proto;        /* transport protocol after IPv6 extension headers */
  uint8_t malformed;       /* enum sw_malformed */
  uint8_t non_first_fragment;
  uint8_t has_ports;       /* TCP and sport/dport read */
  uint8_t vlan_tags;       /* encapsulation seen, for reports */
  uint8_t pppoe;
  uint8_t reserved;
  uint16_t sport, dport;   /* host byte order */
  uint16_t l3_offset;      /* IP header offset in the frame */
  uint16_t l4_offset;      /* transport header offset in the frame */
  uint32_t l4_length;      /* transport bytes by the IP header's own length */
  /* Addresses in network byte order, as on the wire; IPv4 uses bytes 0..3. */
  uint8_t src[16];
  uint8_t dst[16];
};

static inline uint16_t sw_load_be16(const uint8_t *p) {
  return (uint16_t)(((uint16_t)p[0] << 8) | p[1]);
}

/* A fixed-size copy (one or two moves; a byte loop here was a third of the
 * classify stage's cycles). sw_parse_frame zeroes `out` first, so an IPv4
 * address leaves bytes 4..15 zero. clang -target bpf lowers it too. */
static inline void sw_copy_addr(uint8_t *to, const uint8_t *from, int n) {
  if (n == 4) __builtin_memcpy(to, from, 4);
  else __builtin_memcpy(to, from, 16);
}

/* Reads the TCP ports at l4 if the IP length leaves room for them. */
static inline void sw_parse_ports(const uint8_t *l4, const uint8_t *end,
                                  uint32_t l4_length, struct sw_parsed *out) {
  if (l4_length < 4 || l4 + 4 > end) {
    out->malformed = SW_MALFORMED_NO_PORTS;
    return;
  }
  out->sport = sw_load_be16(l4);
  out->dport = sw_load_be16(l4 + 2);
  out->has_ports = 1;
}

static inline void sw_parse_ipv4(const uint8_t *frame, const uint8_t *ip,
                                 const uint8_t *end, uint32_t frame_len,
                                 struct sw_parsed *out) {
  uint32_t l3_off = (uint32_t)(ip - frame);
  if (ip + 20 > end || l3_off + 20 > frame_len) {
    out->malformed = SW_MALFORMED_L3_TRUNCATED;
    return;
  }
  if ((ip[0] >> 4) != 4) {
    out->malformed = SW_MALFORMED_BAD_VERSION;
    return;
  }
  uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
  if (ihl < 20) {
    out->malformed = SW_MALFORMED_BAD_IHL;
    return;
  }
  uint32_t total = sw_load_be16(ip + 2);
  if (ihl > total || l3_off + total > frame_len) {
    out->malformed = SW_MALFORMED_BAD_TOTAL_LENGTH;
    return;
  }
  if (ip + ihl > end) {  /* options not readable in the first segment */
    out->malformed = SW_MALFORMED_L3_TRUNCATED;
    return;
  }
  sw_copy_addr(out->src, ip + 12, 4);
  sw_copy_addr(out->dst, ip + 16, 4);
  out->l4_proto = ip[9];
  out->l4_offset = (uint16_t)(l3_off + ihl);
  out->l4_length = total - ihl;
  if ((sw_load_be16(ip + 6) & 0x1fff) != 0) {
    out->non_first_fragment = 1;
    return;
  }
  if (out->l4_proto == SW_IPPROTO_TCP)
    sw_parse_ports(ip + ihl, end, out->l4_length, out);
}

static inline void sw_parse_ipv6(const uint8_t *frame, const uint8_t *ip,
                                 const uint8_t *end, uint32_t frame_len,
                                 struct sw_parsed *out) {
  uint32_t l3_off = (uint32_t)(ip - frame);
  if (ip + 40 > end || l3_off + 40 > frame_len) {
    out->malformed = SW_MALFORMED_L3_TRUNCATED;
    return;
  }
  if ((ip[0] >> 4) != 6) {
    out->malformed = SW_MALFORMED_BAD_VERSION;
    return;
  }
  uint32_t payload = sw_load_be16(ip + 4);
  if (l3_off + 40 + payload > frame_len) {
    out->malformed = SW_MALFORMED_BAD_PAYLOAD_LENGTH;
    return;
  }
  sw_copy_addr(out->src, ip + 8, 16);
  sw_copy_addr(out->dst, ip + 24, 16);

  /* Walk the extension chain inside the payload (bytes past it are padding). */
  uint8_t next = ip[6];
  uint32_t off = 40;               /* from the IPv6 header start */
  uint32_t limit = 40 + payload;
  for (int i = 0; i <= SW_MAX_IPV6_EXT_HEADERS; i++) {
    uint32_t hdr_len;
    /* Iteration i meets the (i+1)-th header; only a transport may come
     * after SW_MAX_IPV6_EXT_HEADERS extension headers. */
    const int over_bound = i == SW_MAX_IPV6_EXT_HEADERS;
    switch (next) {
      case 0:    /* hop-by-hop */
      case 43:   /* routing */
      case 60:   /* destination options */
      case 135:  /* mobility */
      case 139:  /* HIP */
      case 140:  /* shim6 */
      case 253:
      case 254:  /* experiments */
        if (over_bound || off + 2 > limit || ip + off + 2 > end) {
          out->malformed = SW_MALFORMED_EXT_CHAIN;
          return;
        }
        hdr_len = ((uint32_t)ip[off + 1] + 1) * 8;
        break;
      case 51:   /* AH: length in 4-octet units, minus 2 */
        if (over_bound || off + 2 > limit || ip + off + 2 > end) {
          out->malformed = SW_MALFORMED_EXT_CHAIN;
          return;
        }
        hdr_len = ((uint32_t)ip[off + 1] + 2) * 4;
        break;
      case 44:   /* fragment */
        if (over_bound || off + 8 > limit || ip + off + 8 > end) {
          out->malformed = SW_MALFORMED_EXT_CHAIN;
          return;
        }
        hdr_len = 8;
        if ((sw_load_be16(ip + off + 2) >> 3) != 0) {
          out->l4_proto = ip[off];
          out->non_first_fragment = 1;
          return;
        }
        break;
      default:   /* a transport (TCP, UDP, ICMPv6, ESP, no-next-header...) */
        out->l4_proto = next;
        out->l4_offset = (uint16_t)(l3_off + off);
        out->l4_length = limit - off;
        if (next == SW_IPPROTO_TCP) sw_parse_ports(ip + off, end, out->l4_length, out);
        return;
    }
    if (off + hdr_len > limit) {
      out->malformed = SW_MALFORMED_EXT_CHAIN;
      return;
    }
    next = ip[off];
    off += hdr_len;
  }
  out->malformed = SW_MALFORMED_EXT_CHAIN;  /* not reached: the bound returns above */
}

/* Parses one frame. `readable` bytes at `frame` may be read (the first
 * segment); `frame_len` is the whole frame's length on the wire, against
 * which the IP lengths are checked. */
static inline void sw_parse_frame(const uint8_t *frame, uint32_t readable,
                                  uint32_t frame_len, struct sw_parsed *out) {
  const uint8_t *end = frame + readable;
  const struct sw_parsed zero = {0};
  *out = zero;
  if (readable > frame_len) end = frame + frame_len;
  if (frame + 14 > end) return;  /* no ethertype: not IP */
  uint16_t type = sw_load_be16(frame + 12);
  const uint8_t *p = frame + 14;
  for (int i = 0; i < SW_MAX_VLAN_TAGS; i++) {
    if (type != 0x8100 && type != 0x88a8 && type != 0x9100) break;
    if (p + 4 > end) return;
    type = sw_load_be16(p + 2);
    p += 4;
    out->vlan_tags++;
  }
  if (type == 0x8864) {  /* PPPoE session: 6-byte header, then PPP protocol */
    if (p + 8 > end) return;
    uint16_t ppp = sw_load_be16(p + 6);
    p += 8;
    out->pppoe = 1;
    if (ppp == 0x0021) type = 0x0800;
    else if (ppp == 0x0057) type = 0x86dd;
    else return;
  }
  out->l3_offset = (uint16_t)(p - frame);
  if (type == 0x0800) {
    out->l3 = SW_L3_IPV4;
    sw_parse_ipv4(frame, p, end, frame_len, out);
  } else if (type == 0x86dd) {
    out->l3 = SW_L3_IPV6;
    sw_parse_ipv6(frame, p, end, frame_len, out);
  }
}

#ifdef __cplusplus
}
#endif

#endif /* SPAMWALL_DATAPLANE_CORE_PACKET_PARSE_H_ */
