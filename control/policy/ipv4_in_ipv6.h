// IPv4 addresses written as IPv6 (::ffff:a.b.c.d, IPv4-mapped; ::a.b.c.d,
// the deprecated IPv4-compatible form) never match a packet: the dataplane
// looks an IPv4 packet up by its IPv4 address, and no IPv6 packet on the
// wire carries these. A list entry in that form would silently stop or
// exempt nothing, so every list (policy file, pool file, overlay) refuses it
// with the IPv4 form that would.
#ifndef SPAMWALL_CONTROL_POLICY_IPV4_IN_IPV6_H_
#define SPAMWALL_CONTROL_POLICY_IPV4_IN_IPV6_H_

#include <string>

#include "dataplane/core/prefix.h"

namespace spamwall {

// True for every prefix but an IPv4-mapped or -compatible one (length 96
// and longer); false with "<p> is an IPv4-mapped IPv6 address, which IPv4
// packets never match: use its IPv4 form <v4>" in *error.
bool RefuseIpv4InIpv6(const Prefix& p, std::string* error);

}  // namespace spamwall

#endif  // SPAMWALL_CONTROL_POLICY_IPV4_IN_IPV6_H_
