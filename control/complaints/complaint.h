// Abuse complaints, as `spamwallctl complaint FILE` is given them: the
// Message-IDs of the original messages complained about, which the event
// store then finds among the messages the sampler saw.
//
// What is read (first match wins):
//
// 1. A bare list (kMessageIds): every line is empty, a '#' comment, or one or
//    more "<left@right>" tokens (blanks or commas between them), optionally
//    after "Message-ID:" (any case). A token that is not a Message-ID (no
//    '@', a control byte, longer than max_field) is a warning.
//
// 2. A message: a header block at the top (an mbox "From " line and a UTF-8
//    BOM first are skipped) holding at least one of From, Date, Subject, To,
//    Received, Return-Path, Sender, Reply-To, Delivered-To, MIME-Version or
//    Content-Type. Its own Message-ID is report_message_id and is never one
//    of message_ids. Its MIME structure is walked in document order:
//    - Header fields are unfolded (RFC 5322 2.2.3) and matched in any case;
//      CRLF and LF endings both read; a blank line ends a header block too.
//    - multipart/* is cut at its boundary (quoted or not, RFC 2046 5.1.1);
//      a missing close delimiter keeps the last part up to the end, with a
//      warning. Children of multipart/digest default to message/rfc822.
//    - Any part's Content-Transfer-Encoding is undone: 7bit, 8bit, binary,
//      base64, quoted-printable (others: the part is skipped, a warning).
//      Decoded bytes in all are bounded by twice the input (and 64 KiB).
//    - A feedback report (kArf, RFC 5965) is a multipart/report with
//      report-type=feedback-report, or any multipart with a
//      message/feedback-report child (such a part anywhere makes the
//      complaint kArf). Its message/rfc822 (message/global) or
//      text/rfc822-headers (message/rfc822-headers, message/global-headers)
//      parts are the originals: their header's Message-ID is taken (also
//      when the part leaves out the empty line after its own headers),
//      their bodies are not read (the spam's body is the spammer's text).
//      Only when the report has none with an id are its text parts read
//      as forwarded text, with a warning. The first
//      message/feedback-report part gives feedback_type (lowercase),
//      user_agent, source_ip, original_mail_from, arrival_date
//      (Arrival-Date, else the older drafts' Received-Date) and
//      reported_domain (all of them, ", " between), each at most max_field
//      bytes (cut at a UTF-8 boundary), control bytes as blanks, trimmed.
//    - Anywhere else (kForwarded) a message/rfc822 part, or an attachment
//      named *.eml, is a forwarded message: its Message-ID is an original's
//      and its own parts are read the same way (forwards of forwards),
//      unless it is itself a feedback report, whose originals are taken
//      instead of its own id. A text/rfc822-headers part gives its
//      Message-ID. Text parts (text/html as its text) are read for lines
//      that start with a Message-ID field (forwarded.h): pasted headers
//      after a forward separator or without one.
//    - References and In-Reply-To are never read: they name other messages.
//    - At most max_depth (capped at 64) nested entities, 10,000 MIME parts.
//
// 3. Text that is not a message: read as forwarded text (kForwarded).
//
// Message-IDs are returned as written ("<a@b>", or the unbracketed a@b of
// RFC 5965's own example, as the sampler keeps the field's value), distinct,
// in document order, at most max_ids. A complaint with none is an error:
// InvalidArgument, "complaint: ..." saying why (an unclosed or missing
// boundary, the complaint's own id, a forward without headers, a part that
// did not decode). Warnings are at most 32 (then a count), each locating
// its cause ("line 12: ..." in the input, "part 2.1: ..." otherwise).
//
// Work and memory are linear in the input (times the depth) for any bytes;
// nothing throws.
#ifndef SPAMWALL_CONTROL_COMPLAINTS_COMPLAINT_H_
#define SPAMWALL_CONTROL_COMPLAINTS_COMPLAINT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace spamwall::complaints {

enum class ComplaintKind { kArf, kForwarded, kMessageIds };
const char* ComplaintKindName(ComplaintKind kind);  // "arf", "forwarded", "message_id"

struct ParsedComplaint {
  ComplaintKind kind = ComplaintKind::kForwarded;
  std::vector<std::string> message_ids;  // the originals', as written, distinct, in the order found
  std::string report_message_id;         // the complaint's own, "" if none
  std::string feedback_type;             // ARF Feedback-Type ("abuse", "fraud", ...), "" otherwise
  std::string user_agent, reported_domain, source_ip, original_mail_from, arrival_date;  // ARF
  std::vector<std::string> warnings;     // e.g. "part 3: base64 does not decode; skipped"
};

struct ComplaintLimits {
  size_t max_bytes = 16 << 20;
  size_t max_ids = 1000;
  size_t max_depth = 8;
  size_t max_field = 998;
};

absl::StatusOr<ParsedComplaint> ParseComplaint(std::string_view text,
                                               const ComplaintLimits& limits = {});

}  // namespace spamwall::complaints

#endif  // SPAMWALL_CONTROL_COMPLAINTS_COMPLAINT_H_
