// The common text forms of a prefix ("198.51.100.0/24", "2a00:db8:12::/48",
// a bare address), parsed without libc or allocation: pool files hold a
// million of them. Anything it does not accept (errors, and rarer forms
// such as an IPv4 tail in IPv6) is for ParsePrefix (prefix.h), which then
// gives the answer or the error; where it accepts, the result is ParsePrefix's.
#ifndef SPAMWALL_CONTROL_POLICY_PREFIX_FAST_H_
#define SPAMWALL_CONTROL_POLICY_PREFIX_FAST_H_

#include <string_view>

#include "dataplane/core/prefix.h"

namespace spamwall {

// True with *out set when text is a valid prefix in a common form; false
// (and *out unspecified) otherwise, valid or not.
bool ParsePrefixFast(std::string_view text, Prefix* out);

}  // namespace spamwall

#endif  // SPAMWALL_CONTROL_POLICY_PREFIX_FAST_H_
