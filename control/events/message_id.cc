#include "control/events/message_id.h"

namespace spamwall::events {
namespace {

bool IsWsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Skips white space and (nested, backslash-quoting) comments from the front.
// An unclosed comment swallows the rest: it was garbage.
std::string_view SkipLeadingCfws(std::string_view s) {
  for (;;) {
    while (!s.empty() && IsWsp(s.front())) s.remove_prefix(1);
    if (s.empty() || s.front() != '(') return s;
    int depth = 0;
    size_t i = 0;
    for (; i < s.size(); ++i) {
      if (s[i] == '\\') {
        ++i;
      } else if (s[i] == '(') {
        ++depth;
      } else if (s[i] == ')' && --depth == 0) {
        break;
      }
    }
    s.remove_prefix(i < s.size() ? i + 1 : s.size());
  }
}

// The same from the back; a ')' preceded by a backslash is quoted.
std::string_view SkipTrailingCfws(std::string_view s) {
  for (;;) {
    while (!s.empty() && IsWsp(s.back())) s.remove_suffix(1);
    if (s.empty() || s.back() != ')') return s;
    int depth = 0;
    size_t i = s.size();
    while (i > 0) {
      --i;
      bool quoted = i > 0 && s[i - 1] == '\\';
      if (quoted) continue;
      if (s[i] == ')') {
        ++depth;
      } else if (s[i] == '(' && --depth == 0) {
        break;
      }
    }
    if (depth != 0) return s;  // unbalanced: not a comment, keep it
    s.remove_suffix(s.size() - i);
  }
}

std::string_view TrimWsp(std::string_view s) {
  while (!s.empty() && IsWsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsWsp(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string NormalizeMessageId(std::string_view raw) {
  std::string_view s = SkipLeadingCfws(raw);
  if (!s.empty() && s.front() == '<') {
    // The first bracketed id; a lone "<" (a truncated header) just drops.
    s.remove_prefix(1);
    size_t close = s.find('>');
    if (close != std::string_view::npos) s = s.substr(0, close);
    else s = SkipTrailingCfws(s);
    return std::string(TrimWsp(s));
  }
  s = SkipTrailingCfws(s);
  // A bare id ends at white space: "a@b c@d" is two ids, keep the first.
  size_t end = 0;
  while (end < s.size() && !IsWsp(s[end])) ++end;
  return std::string(s.substr(0, end));
}

}  // namespace spamwall::events
