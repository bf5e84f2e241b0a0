#include "control/signatures/perl_regex.h"

#include <cctype>

namespace spamwall::signatures {

bool SplitPerlRegex(std::string_view text, PerlRegex& out, std::string& error) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  if (!text.empty() && text[0] == 'm' && text.size() > 1 &&
      !std::isalnum(static_cast<unsigned char>(text[1])) && !std::isspace(static_cast<unsigned char>(text[1]))) {
    text.remove_prefix(1);
  }
  if (text.size() < 2 || std::isalnum(static_cast<unsigned char>(text[0]))) {
    error = "not a Perl match operator (/re/ or m{re})";
    return false;
  }
  char open = text[0];
  char close = open == '{' ? '}' : open == '(' ? ')' : open == '[' ? ']' : open == '<' ? '>' : open;
  size_t end = text.rfind(close);
  if (end == 0 || end == std::string_view::npos) {
    error = std::string("no closing '") + close + "'";
    return false;
  }
  out.pattern = std::string(text.substr(1, end - 1));
  out.flags = {};
  for (char f : text.substr(end + 1)) {
    switch (f) {
      case 'i': out.flags.caseless = true; break;
      case 'm': out.flags.multiline = true; break;
      case 's': out.flags.dotall = true; break;
      default:
        error = std::string("Perl flag '") + f + "' (only i, m and s are taken)";
        return false;
    }
  }
  if (out.pattern.empty()) {
    error = "empty pattern";
    return false;
  }
  return true;
}

std::string PerlToPcre2(std::string_view p, std::string& error) {
  std::string out;
  out.reserve(p.size() + 8);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out += c;
      out += p[++i];
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      // A ']' (or '^]') first in a class is a literal.
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
      continue;
    }
    if (c == '(' && (p.substr(i).starts_with("(?{") || p.substr(i).starts_with("(??{"))) {
      error = "Perl code in the pattern ((?{ })): PCRE2 has no such construct";
      return {};
    }
    if (c == '{' && i + 1 < p.size() && p[i + 1] == ',' && !out.empty()) {
      size_t j = i + 2;
      while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) ++j;
      if (j > i + 2 && j < p.size() && p[j] == '}') {
        out += "{0,";
        out.append(p.substr(i + 2, j - i - 2));
        out += '}';
        i = j;
        continue;
      }
    }
    out += c;
  }
  return out;
}

}  // namespace spamwall::signatures
