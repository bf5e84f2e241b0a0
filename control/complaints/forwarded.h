// The headers of forwarded messages inside the text of the forwarding one:
// "---------- Forwarded message ---------" (Gmail), "-----Original
// Message-----" (Outlook), "-------- Forwarded Message --------"
// (Thunderbird), "Begin forwarded message:" (Apple Mail), or the original's
// headers pasted ("show original", Outlook's Internet headers).
#ifndef SPAMWALL_CONTROL_COMPLAINTS_FORWARDED_H_
#define SPAMWALL_CONTROL_COMPLAINTS_FORWARDED_H_

#include <string_view>

#include "absl/functional/function_ref.h"

namespace spamwall::complaints {

// Calls `message_id` with the value of every Message-ID field that starts a
// line of `text` (after quote marks "> ", and Gmail's bold "*Message-ID:*"),
// unfolded over the continuation lines after it, with where its line is.
// Only Message-ID: References and In-Reply-To name other messages, and a
// mention in running prose does not start a line with the field. Returns
// the first forward separator line, or null when there is none.
const char* ScanForwardedText(
    std::string_view text,
    absl::FunctionRef<void(std::string_view value, const char* where)> message_id);

}  // namespace spamwall::complaints

#endif  // SPAMWALL_CONTROL_COMPLAINTS_FORWARDED_H_
