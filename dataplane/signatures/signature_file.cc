#include "dataplane/signatures/signature_file.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "dataplane/core/printable.h"

namespace spamwall::signatures {
namespace {

constexpr size_t kMaxIdLength = 128;
constexpr double kMaxScore = 1000;

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view NextField(std::string_view& rest) {
  size_t i = 0;
  while (i < rest.size() && IsSpace(rest[i])) ++i;
  size_t j = i;
  while (j < rest.size() && !IsSpace(rest[j])) ++j;
  std::string_view field = rest.substr(i, j - i);
  rest.remove_prefix(j);
  return field;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsSpace(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (IsSpace(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseLiteral(std::string_view field, Signature& sig, std::string& error) {
  // field starts with '"'
  std::string bytes;
  size_t i = 1;
  bool closed = false;
  while (i < field.size()) {
    char c = field[i++];
    if (c == '"') {
      closed = true;
      break;
    }
    if (c != '\\') {
      bytes += c;
      continue;
    }
    if (i >= field.size()) break;
    char e = field[i++];
    switch (e) {
      case '\\': bytes += '\\'; break;
      case '"': bytes += '"'; break;
      case 'n': bytes += '\n'; break;
      case 'r': bytes += '\r'; break;
      case 't': bytes += '\t'; break;
      case 'x': {
        int hi = i < field.size() ? HexValue(field[i]) : -1;
        int lo = i + 1 < field.size() ? HexValue(field[i + 1]) : -1;
        if (hi < 0 || lo < 0) {
          error = "bad escape in literal: \\x takes two hex digits";
          return false;
        }
        bytes += static_cast<char>(hi * 16 + lo);
        i += 2;
        break;
      }
      default:
        error = std::string("unknown escape in literal: \\") + e +
                " (known: \\\\ \\\" \\n \\r \\t \\xHH)";
        return false;
    }
  }
  if (!closed) {
    error = "literal has no closing quote";
    return false;
  }
  if (bytes.empty()) {
    error = "empty literal";
    return false;
  }
  for (char f : field.substr(i)) {
    if (f == 'i') {
      sig.flags.caseless = true;
    } else {
      error = std::string("unknown flag '") + f + "' after a literal (a literal takes only i)";
      return false;
    }
  }
  sig.kind = PatternKind::kLiteral;
  sig.pattern = std::move(bytes);
  return true;
}

bool ParseRegex(std::string_view field, Signature& sig, std::string& error) {
  size_t close = field.rfind('/');
  if (close == 0) {
    error = "regex has no closing '/'";
    return false;
  }
  std::string_view body = field.substr(1, close - 1);
  if (body.empty()) {
    error = "empty regex";
    return false;
  }
  for (char f : field.substr(close + 1)) {
    switch (f) {
      case 'i': sig.flags.caseless = true; break;
      case 'm': sig.flags.multiline = true; break;
      case 's': sig.flags.dotall = true; break;
      default:
        error = std::string("unknown flag '") + f + "' (a regex takes i, m, s)";
        return false;
    }
  }
  sig.kind = PatternKind::kRegex;
  sig.pattern = std::string(body);
  error = CheckRegex(sig.pattern, sig.flags);
  if (!error.empty()) {
    error = "bad regex: " + error;
    return false;
  }
  return true;
}

bool ParseLine(std::string_view line, Signature& sig, std::string& error) {
  std::string_view rest = line;
  std::string_view id = NextField(rest);
  std::string_view cls = NextField(rest);
  std::string_view score = NextField(rest);
  std::string_view scope = NextField(rest);
  std::string_view pattern = Trim(rest);
  if (pattern.empty()) {
    error = "expected ID CLASS SCORE SCOPE PATTERN";
    return false;
  }
  if (!ValidId(id)) {
    error = "bad id '" + Printable(id, 64) + "' (1 to 128 of A-Z a-z 0-9 _ . -)";
    return false;
  }
  sig.id = std::string(id);
  if (cls == "spam") {
    sig.cls = SigClass::kSpam;
  } else if (cls == "malware") {
    sig.cls = SigClass::kMalware;
  } else {
    error = "unknown class '" + Printable(cls, 64) + "' (spam or malware)";
    return false;
  }
  std::string score_text(score);
  char* end = nullptr;
  sig.score = std::strtod(score_text.c_str(), &end);
  if (end == score_text.c_str() || *end != '\0' || !std::isfinite(sig.score) ||
      std::fabs(sig.score) > kMaxScore) {
    error = "bad score '" + score_text + "' (a number from -1000 to 1000)";
    return false;
  }
  if (scope == "raw") {
    sig.scope = Scope::kRaw;
  } else if (scope == "body") {
    sig.scope = Scope::kBody;
  } else {
    error = "unknown scope '" + Printable(scope, 64) + "' (raw or body)";
    return false;
  }
  return ParsePatternField(pattern, sig, error);
}

void ParseInto(std::string_view text, std::string_view name, ParseResult& result,
               std::unordered_map<std::string, std::string>& seen) {
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    std::string where = std::string(name) + ":" + std::to_string(line_no);
    Signature sig;
    std::string error;
    if (!ParseLine(trimmed, sig, error)) {
      result.errors.push_back(where + ": " + error);
      continue;
    }
    auto [it, fresh] = seen.emplace(sig.id, where);
    if (!fresh) {
      result.errors.push_back(where + ": duplicate id '" + sig.id + "' (first at " + it->second + ")");
      continue;
    }
    sig.origin = where;
    result.signatures.push_back(std::move(sig));
  }
}

}  // namespace

bool ParsePatternField(std::string_view field, Signature& sig, std::string& error) {
  if (field.front() == '"') return ParseLiteral(field, sig, error);
  if (field.front() == '/') return ParseRegex(field, sig, error);
  error = "a pattern is \"literal\" or /regex/flags";
  return false;
}

std::string CheckRegex(std::string_view pattern, const PatternFlags& flags) {
  uint32_t options = 0;
  if (flags.caseless) options |= PCRE2_CASELESS;
  if (flags.multiline) options |= PCRE2_MULTILINE;
  if (flags.dotall) options |= PCRE2_DOTALL;
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 options, &code, &offset, nullptr);
  if (re != nullptr) {
    pcre2_code_free(re);
    return {};
  }
  PCRE2_UCHAR buf[256];
  pcre2_get_error_message(code, buf, sizeof buf);
  return std::string(reinterpret_cast<char*>(buf)) + " at offset " + std::to_string(offset);
}

ParseResult ParseSignatureText(std::string_view text, std::string_view name) {
  ParseResult result;
  std::unordered_map<std::string, std::string> seen;
  ParseInto(text, name, result, seen);
  if (!result.ok()) result.signatures.clear();
  return result;
}

ParseResult ParseSignatureFiles(const std::vector<std::string>& paths) {
  ParseResult result;
  std::unordered_map<std::string, std::string> seen;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      result.errors.push_back(path + ": cannot read");
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    ParseInto(text.str(), path, result, seen);
  }
  if (!result.ok()) result.signatures.clear();
  return result;
}

ParseResult ParseSignatureTexts(const std::vector<SignatureText>& files) {
  ParseResult result;
  std::unordered_map<std::string, std::string> seen;
  for (const SignatureText& f : files) ParseInto(f.text, f.name, result, seen);
  if (!result.ok()) result.signatures.clear();
  return result;
}

}  // namespace spamwall::signatures
