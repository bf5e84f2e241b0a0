// The key a Message-ID is stored and looked up under. Complaints quote the
// id as the header had it ("<a@b>"), operators type it bare ("a@b"), and
// either may carry folding white space or RFC 5322 comments around it: all
// of them must find the same smtp_message event.
#ifndef SPAMWALL_CONTROL_EVENTS_MESSAGE_ID_H_
#define SPAMWALL_CONTROL_EVENTS_MESSAGE_ID_H_

#include <string>
#include <string_view>

namespace spamwall::events {

// "<a@b>", " <a@b> ", "(c) <a@b> (d)", "a@b" -> "a@b": white space and
// comments (CFWS) around the id trimmed, one pair of angle brackets removed,
// white space inside the brackets trimmed; case kept (the local part is
// case-sensitive). Of several ids ("<a@b> <c@d>") the first. "" when nothing
// is left ("", "  ", "<>", "()").
std::string NormalizeMessageId(std::string_view raw);

}  // namespace spamwall::events

#endif  // SPAMWALL_CONTROL_EVENTS_MESSAGE_ID_H_
