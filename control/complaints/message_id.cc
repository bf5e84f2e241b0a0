#include "control/complaints/message_id.h"

#include "control/complaints/mime.h"

namespace spamwall::complaints {

namespace {

bool Blank(char c) { return c == ' ' || c == '\t'; }
// Ends a token inside brackets: a blank or control byte, or a bracket.
bool Stop(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return u < 0x21 || u == 0x7f || c == '<' || c == '>';
}

// The inside of an id: left@right, visible characters only.
std::string_view InsideProblem(std::string_view in) {
  for (char c : in)
    if (Stop(c)) return "has a blank, control byte or bracket inside";
  const size_t at = in.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == in.size())
    return "is not of the form <left@right>";
  return "";
}

}  // namespace

std::string_view MessageIdProblem(std::string_view token, size_t max_len) {
  if (token.size() < 2 || token.front() != '<' || token.back() != '>')
    return "is not of the form <left@right>";
  if (token.size() > max_len) return "is longer than the field limit";
  return InsideProblem(token.substr(1, token.size() - 2));
}

std::string_view MessageIdInValue(std::string_view value, size_t max_len, std::string* problem) {
  bool bracketed = false;
  size_t i = 0;
  while ((i = value.find('<', i)) != std::string_view::npos) {
    bracketed = true;
    size_t j = i + 1;
    while (j < value.size() && !Stop(value[j])) j++;
    if (j < value.size() && value[j] == '>') {
      const std::string_view token = value.substr(i, j - i + 1);
      const std::string_view why = MessageIdProblem(token, max_len);
      if (why.empty()) return token;
      if (problem && problem->empty()) *problem = std::string(why);
      i = j + 1;
    } else {
      i = j;  // a '<' there starts the next candidate; a blank does not
    }
  }
  if (bracketed) {
    if (problem && problem->empty()) *problem = "has no closing '>'";
    return {};
  }
  // Unbracketed: one word, perhaps a comment after it.
  std::string_view v = TrimSpace(value);
  size_t end = 0;
  while (end < v.size() && !Blank(v[end])) end++;
  const std::string_view word = v.substr(0, end);
  const std::string_view rest = TrimSpace(v.substr(end));
  if (word.empty() || (!rest.empty() && rest.front() != '(')) {
    if (problem && problem->empty()) *problem = "holds no <left@right>";
    return {};
  }
  if (word.size() > max_len) {
    if (problem && problem->empty()) *problem = "is longer than the field limit";
    return {};
  }
  if (const std::string_view why = InsideProblem(word); !why.empty()) {
    if (problem && problem->empty()) *problem = "holds no <left@right>";
    return {};
  }
  return word;
}

namespace {

// Calls fn for each token of a bare line; false if the line is not one.
template <typename Fn>
bool BareLine(std::string_view line, Fn&& fn) {
  line = TrimSpace(line);
  if (line.empty() || line.front() == '#') return true;
  std::string_view name, value;
  if (SplitField(line, &name, &value) && IEquals(name, "Message-ID")) line = value;
  size_t i = 0;
  while (i < line.size()) {
    if (Blank(line[i]) || line[i] == ',') {
      i++;
      continue;
    }
    if (line[i] != '<') return false;
    size_t j = i + 1;
    while (j < line.size() && line[j] != '>' && line[j] != '<' && !Blank(line[j]) && line[j] != ',')
      j++;
    if (j >= line.size() || line[j] != '>') return false;
    fn(line.substr(i, j - i + 1));
    i = j + 1;
  }
  return true;
}

}  // namespace

bool ReadBareIds(std::string_view text, size_t max_len,
                 absl::FunctionRef<void(std::string_view id, size_t offset)> id,
                 absl::FunctionRef<void(std::string_view token, size_t offset,
                                        std::string_view why)> refused) {
  // First every line is checked, so that nothing is reported for a file
  // that is not a list after all.
  size_t tokens = 0;
  LineCursor cursor(text);
  std::string_view line;
  while (cursor.Next(&line))
    if (!BareLine(line, [&](std::string_view) { tokens++; })) return false;
  if (tokens == 0) return false;
  cursor.Seek(0);
  while (cursor.Next(&line)) {
    BareLine(line, [&](std::string_view token) {
      const size_t offset = static_cast<size_t>(token.data() - text.data());
      const std::string_view why = MessageIdProblem(token, max_len);
      if (why.empty()) id(token, offset);
      else refused(token, offset, why);
    });
  }
  return true;
}

}  // namespace spamwall::complaints
