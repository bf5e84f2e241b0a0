// Content-Transfer-Encoding decoders (RFC 2045 6.7, 6.8) and the text of an
// HTML part. Each writes at most as many bytes as it reads and never fails
// but for base64 that is not base64.
#ifndef SPAMWALL_CONTROL_COMPLAINTS_ENCODING_H_
#define SPAMWALL_CONTROL_COMPLAINTS_ENCODING_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace spamwall::complaints {

// Base64: blanks and line endings anywhere are skipped, padding is optional
// (some encoders drop it), and data may follow padding (encoders that pad
// every line). False, with the offset of the offending byte in *bad, for a
// byte outside the alphabet, padding after a single sextet, or a lone final
// sextet (not a whole byte).
bool DecodeBase64(std::string_view in, std::string* out, size_t* bad);

// Quoted-printable: "=XY" (either case) is a byte, "=" ending a line (blanks
// after it allowed) a soft line break; any other "=" stays as it is, as RFC
// 2045 advises a robust decoder to do.
std::string DecodeQuotedPrintable(std::string_view in);

// The text of HTML: tags dropped (a line break for those that end a block),
// comments dropped, the common entities and numeric ASCII references
// decoded (so "&lt;id@host&gt;" reads "<id@host>"). A "<...>" with an '@'
// and no blank or '=' is kept as text: unescaped Message-IDs in sloppy HTML.
std::string HtmlToText(std::string_view html);

}  // namespace spamwall::complaints

#endif  // SPAMWALL_CONTROL_COMPLAINTS_ENCODING_H_
