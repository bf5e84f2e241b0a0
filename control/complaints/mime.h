// The pieces of RFC 5322 and MIME (RFC 2045, 2046) the complaint parser
// needs: lines with either ending, header fields unfolded, media types with
// their parameters, and a multipart body cut at its boundary. Everything
// works on views of the caller's text and is linear in it; nothing throws.
#ifndef SPAMWALL_CONTROL_COMPLAINTS_MIME_H_
#define SPAMWALL_CONTROL_COMPLAINTS_MIME_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"

namespace spamwall::complaints {

// ASCII case-insensitive equality (header names, media types).
bool IEquals(std::string_view a, std::string_view b);
std::string_view TrimSpace(std::string_view s);  // SP, HT, CR, LF at both ends
std::string Lower(std::string_view s);

// The lines of a text, each without its LF and a CR before it.
class LineCursor {
 public:
  explicit LineCursor(std::string_view text, size_t pos = 0) : text_(text), pos_(pos) {}
  bool Next(std::string_view* line);  // false at the end
  size_t start() const { return start_; }  // offset of the line Next returned
  size_t pos() const { return pos_; }      // offset of the line after it
  void Seek(size_t pos) { pos_ = pos; }

 private:
  std::string_view text_;
  size_t pos_ = 0, start_ = 0;
};

// "Name:" at the start of a line: a name of printable ASCII but ':' (RFC
// 5322 ftext), then, as the obsolete syntax allows, blanks before the colon.
// True with the name and what follows the colon.
bool SplitField(std::string_view line, std::string_view* name, std::string_view* value);

struct HeaderField {
  std::string_view name;
  std::string_view value;  // unfolded (RFC 5322 2.2.3: CRLF before a blank removed), trimmed
  const char* where;       // the name in the parsed text (line numbers)
};

// Reads the header fields at the start of `text` (an mbox "From " line first
// is skipped), calling `fn` for each; the value is valid during the call
// only. The fields end at an empty or blank line, which is consumed, or at
// the first line that is neither a field nor a continuation. Returns the
// offset of the body; *fields (optional) counts the fields.
size_t ReadHeaderFields(std::string_view text, absl::FunctionRef<void(const HeaderField&)> fn,
                        size_t* fields = nullptr);

// A Content-Type ("type/subtype; name=value ...") or Content-Disposition
// ("inline; filename=...") value: type and subtype lowercase, parameter
// names lowercase, values unquoted (quoted-string with backslash escapes, or
// the text up to ';'). RFC 2231 continuations are not joined (a boundary is
// never long enough to need one). At most 32 parameters.
struct MediaType {
  std::string type, subtype;
  std::vector<std::pair<std::string, std::string>> params;

  bool Is(std::string_view t, std::string_view s) const { return type == t && subtype == s; }
  const std::string* Param(std::string_view name) const;  // null if absent
};
MediaType ParseMediaType(std::string_view value);

// A multipart body cut at its delimiter lines ("--boundary", then only
// blanks; the close one "--boundary--"), RFC 2046 5.1.1. Each part runs from
// after its delimiter line to the line ending before the next one; the
// preamble and the epilogue are dropped. A body whose close delimiter is
// missing keeps its last part up to the end (closed false).
struct Multipart {
  std::vector<std::string_view> parts;
  bool found = false;         // a delimiter line at all
  bool closed = false;        // the close delimiter seen
  bool truncated = false;     // more than max_parts parts: the rest dropped
  const char* last_delimiter = nullptr;  // the last delimiter line seen
};
Multipart SplitMultipart(std::string_view body, std::string_view boundary, size_t max_parts);

}  // namespace spamwall::complaints

#endif  // SPAMWALL_CONTROL_COMPLAINTS_MIME_H_
