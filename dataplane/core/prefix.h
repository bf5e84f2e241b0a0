// An IPv4 or IPv6 prefix and its text form ("198.51.100.0/24", "2001:db8::/32",
// or a bare address for a host route). Shared by the policy parser, the
// compiler, the tools and the tests.
#ifndef SPAMWALL_DATAPLANE_CORE_PREFIX_H_
#define SPAMWALL_DATAPLANE_CORE_PREFIX_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace spamwall {

struct Prefix {
  uint8_t family = 4;  // 4 or 6
  uint8_t length = 0;
  std::array<uint8_t, 16> addr{};  // network order; IPv4 in bytes 0..3

  bool operator==(const Prefix&) const = default;
  int max_length() const { return family == 4 ? 32 : 128; }
  bool Contains(const uint8_t* address, uint8_t address_family) const;
};

// Parses text into *out. On failure returns false and sets *error to a
// message that names the text ("'10.0.0.1/8': host bits set ...").
bool ParsePrefix(std::string_view text, Prefix* out, std::string* error);

// Parses a bare address (no length) as a host prefix; same errors.
bool ParseAddress(std::string_view text, Prefix* out, std::string* error);

std::string FormatPrefix(const Prefix& p);

// p's first len bits (len <= p.length) as a prefix of that length: the
// prefix of length len that contains p.
Prefix Truncate(const Prefix& p, int len);
std::string FormatAddress(uint8_t family, const uint8_t* addr);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_PREFIX_H_
