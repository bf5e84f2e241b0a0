// Keeping a database password out of logs and errors: a connection URI may
// carry one as user:PASSWORD@ or ?password=PASSWORD, and libpq's messages
// are not ours to trust with it.
#ifndef SPAMWALL_CONTROL_EVENTS_URI_REDACT_H_
#define SPAMWALL_CONTROL_EVENTS_URI_REDACT_H_

#include <string>
#include <string_view>
#include <vector>

namespace spamwall::events {

// The URI with its password(s) as "***".
std::string RedactUri(std::string_view uri);
// The passwords the URI carries, as written and percent-decoded.
std::vector<std::string> UriPasswords(std::string_view uri);
// `text` with every secret of 4 bytes or more replaced by "***" (a shorter
// one would mangle the message and hides nothing).
std::string Scrub(std::string_view text, const std::vector<std::string>& secrets);

}  // namespace spamwall::events

#endif  // SPAMWALL_CONTROL_EVENTS_URI_REDACT_H_
