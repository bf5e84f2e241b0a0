#include "control/policy/prefix_fast.h"

#include <cstdint>

namespace spamwall {

namespace {

// inet_pton's IPv4: four decimal parts 0..255, no leading zeros. Returns
// where it stopped (at '/' or the end when it is one), nullptr if it is not.
const char* ParseV4(const char* p, const char* end, uint8_t* addr) {
  for (int part = 0; part < 4; part++) {
    if (part > 0) {
      if (p == end || *p != '.') return nullptr;
      p++;
    }
    const char* first = p;
    uint32_t v = 0;
    for (; p != end && static_cast<unsigned char>(*p - '0') < 10 && p - first < 4; p++) v = v * 10 + (*p - '0');
    const long digits = p - first;
    if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && *first == '0')) return nullptr;
    addr[part] = static_cast<uint8_t>(v);
  }
  return p == end || *p == '/' ? p : nullptr;
}

// Hex digit values; 0xff for every other byte.
struct HexTable {
  uint8_t value[256];
  constexpr HexTable() : value() {
    for (int c = 0; c < 256; c++)
      value[c] = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0xff;
  }
};
constexpr HexTable kHex;

// inet_pton's IPv6 without a dotted IPv4 tail: up to eight groups of 1..4
// hex digits, at most one "::" standing for at least one zero group. Same
// return as ParseV4.
const char* ParseV6(const char* p, const char* end, uint8_t* addr) {
  uint16_t groups[8];
  int n = 0, gap = -1;  // gap: index in groups where "::" stands
  if (end - p >= 2 && p[0] == ':' && p[1] == ':') {
    gap = 0;
    p += 2;
  } else if (p != end && *p == ':') {
    return nullptr;
  }
  while (p != end && *p != '/') {
    const char* first = p;
    uint32_t v = 0;
    for (uint8_t h; p != end && (h = kHex.value[static_cast<unsigned char>(*p)]) != 0xff; p++) v = v << 4 | h;
    if (p == first || p - first > 4 || n == 8) return nullptr;
    groups[n++] = static_cast<uint16_t>(v);
    if (p == end || *p == '/') break;
    if (*p != ':' || ++p == end || *p == '/') return nullptr;  // ':' with a group to come
    if (*p == ':') {
      if (gap >= 0) return nullptr;
      gap = n;
      p++;
    }
  }
  if (gap < 0 ? n != 8 : n > 7) return nullptr;
  const int zeros = 8 - n;
  for (int i = 0, g = 0; i < 8; i++) {
    uint16_t v = gap >= 0 && i >= gap && i < gap + zeros ? 0 : groups[g++];
    addr[2 * i] = static_cast<uint8_t>(v >> 8);
    addr[2 * i + 1] = static_cast<uint8_t>(v);
  }
  return p;
}

}  // namespace

bool ParsePrefixFast(std::string_view text, Prefix* out) {
  const char* p = text.data();
  const char* end = p + text.size();
  // ParsePrefix's family is IPv6 when the address has a ':'; an IPv4 parse
  // stops at the first one, and an IPv6 parse needs one to succeed.
  *out = Prefix{};
  const char* slash = ParseV4(p, end, out->addr.data());
  if (!slash) {
    out->addr = {};
    out->family = 6;
    slash = ParseV6(p, end, out->addr.data());
    if (!slash) return false;
  }
  const int max = out->max_length();
  int len = max;
  if (slash != end) {
    const char* q = slash + 1;
    if (q == end || end - q > 3) return false;
    len = 0;
    for (; q != end; q++) {
      if (static_cast<unsigned char>(*q - '0') >= 10) return false;
      len = len * 10 + (*q - '0');
    }
    if (len > max) return false;
  }
  out->length = static_cast<uint8_t>(len);
  // Host bits set: ParsePrefix says what was meant.
  int byte = len / 8;
  if (len % 8 && (out->addr[byte++] & (0xff >> (len % 8)))) return false;
  for (; byte < max / 8; byte++)
    if (out->addr[byte]) return false;
  return true;
}

}  // namespace spamwall
