#include "control/complaints/forwarded.h"

#include <string>

#include "control/complaints/mime.h"

namespace spamwall::complaints {

namespace {

bool Blank(char c) { return c == ' ' || c == '\t'; }

// The line without its quote marks (">", "> >", ">>").
std::string_view Unquote(std::string_view line) {
  while (!line.empty() && line.front() == '>') {
    line.remove_prefix(1);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  }
  return line;
}

bool Separator(std::string_view line) {
  line = TrimSpace(line);
  if (line.size() > 80) return false;
  while (!line.empty() && (line.front() == '-' || line.front() == ' ')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == '-' || line.back() == ' ' || line.back() == ':'))
    line.remove_suffix(1);
  return IEquals(line, "Forwarded message") || IEquals(line, "Original Message") ||
         IEquals(line, "Begin forwarded message") || IEquals(line, "Forwarded message follows");
}

}  // namespace

const char* ScanForwardedText(
    std::string_view text,
    absl::FunctionRef<void(std::string_view value, const char* where)> message_id) {
  const char* separator = nullptr;
  LineCursor cursor(text);
  std::string value;
  std::string_view line;
  while (cursor.Next(&line)) {
    line = Unquote(line);
    if (!separator && Separator(line)) separator = line.data();
    if (!line.empty() && line.front() == '*') line.remove_prefix(1);  // "*Message-ID:* <id>"
    std::string_view name, rest;
    if (!SplitField(line, &name, &rest) || !IEquals(name, "Message-ID")) continue;
    if (!rest.empty() && rest.front() == '*') rest.remove_prefix(1);
    const char* where = line.data();
    value.assign(rest);
    // Continuation lines (RFC 5322 folding), quoted as the field's line was.
    std::string_view next;
    size_t after = cursor.pos();
    while (cursor.Next(&next)) {
      next = Unquote(next);
      if (next.empty() || !Blank(next.front()) || TrimSpace(next).empty()) break;
      value.append(next);
      after = cursor.pos();
    }
    cursor.Seek(after);  // the line that ended the field is read again
    message_id(TrimSpace(value), where);
  }
  return separator;
}

}  // namespace spamwall::complaints
