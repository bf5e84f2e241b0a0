// Message-IDs (RFC 5322 3.6.4) as complaints carry them: in a Message-ID
// field's value, and in a file that lists them.
#ifndef SPAMWALL_CONTROL_COMPLAINTS_MESSAGE_ID_H_
#define SPAMWALL_CONTROL_COMPLAINTS_MESSAGE_ID_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace spamwall::complaints {

// Why a "<...>" token is not taken as a Message-ID ("" when it is): the
// inside must hold an '@' with something on both sides and only visible
// characters (no blank, control byte, '<' or '>'; UTF-8 is let through,
// RFC 6532); the whole, brackets included, at most max_len bytes.
std::string_view MessageIdProblem(std::string_view token, size_t max_len);

// The Message-ID of a field's value, as written: the first "<left@right>"
// (comments and other text around it ignored), else an unbracketed
// left@right written alone (RFC 5965's own example has one; the sampler
// keeps the value as written, so the lookup needs it so). Empty when there
// is none; then *problem (optional) says why a candidate was refused.
std::string_view MessageIdInValue(std::string_view value, size_t max_len,
                                  std::string* problem = nullptr);

// A file of bare Message-IDs: every line empty, a '#' comment, or "<id>"
// tokens (blanks or commas between them) after an optional "Message-ID:".
// False when some line is anything else or no token is there. Otherwise
// `id` gets each token with its offset, `refused` each token that is not a
// Message-ID with why (MessageIdProblem).
bool ReadBareIds(std::string_view text, size_t max_len,
                 absl::FunctionRef<void(std::string_view id, size_t offset)> id,
                 absl::FunctionRef<void(std::string_view token, size_t offset,
                                        std::string_view why)> refused);

}  // namespace spamwall::complaints

#endif  // SPAMWALL_CONTROL_COMPLAINTS_MESSAGE_ID_H_
