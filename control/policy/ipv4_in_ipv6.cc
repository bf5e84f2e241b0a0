#include "control/policy/ipv4_in_ipv6.h"

namespace spamwall {

bool RefuseIpv4InIpv6(const Prefix& p, std::string* error) {
  if (p.family != 6 || p.length < 96) return true;
  bool zeros = true;
  for (int i = 0; i < 10; i++) zeros = zeros && p.addr[i] == 0;
  const bool mapped = zeros && p.addr[10] == 0xff && p.addr[11] == 0xff;
  // ::/128 and ::1/128 (unspecified, loopback) are not IPv4 addresses.
  const bool compatible = zeros && p.addr[10] == 0 && p.addr[11] == 0 &&
                          (p.addr[12] | p.addr[13] | p.addr[14]) != 0;
  if (!mapped && !compatible) return true;
  Prefix v4;
  v4.family = 4;
  v4.length = static_cast<uint8_t>(p.length - 96);
  for (int i = 0; i < 4; i++) v4.addr[i] = p.addr[12 + i];
  *error = FormatPrefix(p) + " is an IPv4-" + (mapped ? "mapped" : "compatible") +
           " IPv6 address, which IPv4 packets never match: use its IPv4 form " + FormatPrefix(v4);
  return false;
}

}  // namespace spamwall
