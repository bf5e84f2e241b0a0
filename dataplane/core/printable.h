// Text that came from outside (a file's line, a client's argument) as a
// message may quote it: control characters (and DEL) as \xNN, cut to `max`
// bytes with "...". Bytes from 0x80 up pass, so UTF-8 names stay readable.
// One function for every layer: the signature parser, the control API
// (ipc/api/controld_api.h re-exports it) and the tools.
#ifndef SPAMWALL_DATAPLANE_CORE_PRINTABLE_H_
#define SPAMWALL_DATAPLANE_CORE_PRINTABLE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace spamwall {

inline bool IsControlByte(unsigned char c) { return c < 0x20 || c == 0x7f; }

std::string Printable(std::string_view s, size_t max);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_PRINTABLE_H_
