#include "dataplane/core/prefix.h"

#include <arpa/inet.h>

#include <charconv>

namespace spamwall {

bool Prefix::Contains(const uint8_t* address, uint8_t address_family) const {
  if (address_family != family) return false;
  int full = length / 8, rest = length % 8;
  for (int i = 0; i < full; i++)
    if (addr[i] != address[i]) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (addr[full] & mask) == (address[full] & mask);
}

Prefix Truncate(const Prefix& p, int len) {
  Prefix t;
  t.family = p.family;
  t.length = static_cast<uint8_t>(len);
  const int full = len / 8, rest = len % 8;
  for (int i = 0; i < full; i++) t.addr[i] = p.addr[i];
  if (rest != 0) t.addr[full] = static_cast<uint8_t>(p.addr[full] & (0xff << (8 - rest)));
  return t;
}

namespace {

bool ParseAddressPart(std::string_view text, Prefix* out, std::string* error) {
  // inet_pton wants a C string; policies hold a million of these, so no heap.
  char buf[INET6_ADDRSTRLEN + 1];
  bool v6 = text.find(':') != std::string_view::npos;
  out->family = v6 ? 6 : 4;
  if (text.size() < sizeof buf) {
    text.copy(buf, text.size());
    buf[text.size()] = '\0';
    if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, out->addr.data()) == 1) return true;
  }
  *error = "'" + std::string(text) + "' is not an IPv" + std::to_string(out->family) + " address";
  return false;
}

}  // namespace

bool ParseAddress(std::string_view text, Prefix* out, std::string* error) {
  *out = Prefix{};
  if (!ParseAddressPart(text, out, error)) return false;
  out->length = static_cast<uint8_t>(out->max_length());
  return true;
}

bool ParsePrefix(std::string_view text, Prefix* out, std::string* error) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return ParseAddress(text, out, error);
  *out = Prefix{};
  if (!ParseAddressPart(text.substr(0, slash), out, error)) {
    *error = "'" + std::string(text) + "': " + *error;
    return false;
  }
  std::string_view len_text = text.substr(slash + 1);
  int len = -1;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc() || end != len_text.data() + len_text.size() || len_text.empty() ||
      len < 0 || len > out->max_length()) {
    *error = "'" + std::string(text) + "': prefix length must be 0.." +
             std::to_string(out->max_length());
    return false;
  }
  out->length = static_cast<uint8_t>(len);
  // Host bits set is almost always a typo (10.0.0.1/8 for 10.0.0.0/8 or /32).
  Prefix masked = *out;
  for (int bit = len; bit < out->max_length(); bit++)
    masked.addr[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  if (masked.addr != out->addr) {
    *error = "'" + std::string(text) + "': host bits set (did you mean " +
             FormatPrefix(masked) + "?)";
    return false;
  }
  return true;
}

std::string FormatAddress(uint8_t family, const uint8_t* addr) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, sizeof buf);
  return buf;
}

std::string FormatPrefix(const Prefix& p) {
  return FormatAddress(p.family, p.addr.data()) + "/" + std::to_string(p.length);
}

}  // namespace spamwall
