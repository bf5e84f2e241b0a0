#include "dataplane/signatures/signature.h"

#include <cstdio>
#include <cstdlib>

namespace spamwall::signatures {

std::string_view ClassName(SigClass c) { return c == SigClass::kMalware ? "malware" : "spam"; }

std::string_view ScopeName(Scope s) { return s == Scope::kBody ? "body" : "raw"; }

std::string RegexSource(const Signature& sig) {
  if (sig.kind == PatternKind::kRegex) return sig.pattern;
  std::string out;
  out.reserve(sig.pattern.size() * 4);
  for (unsigned char c : sig.pattern) {
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

static std::string QuoteLiteral(std::string_view bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

std::string FormatSignature(const Signature& sig) {
  // The shortest form that reads back as the same double.
  char score[40];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(score, sizeof score, "%.*g", precision, sig.score);
    if (std::strtod(score, nullptr) == sig.score) break;
  }
  std::string line = sig.id + " " + std::string(ClassName(sig.cls)) + " " + score + " " +
                     std::string(ScopeName(sig.scope)) + " ";
  if (sig.kind == PatternKind::kLiteral) {
    line += QuoteLiteral(sig.pattern);
  } else {
    line += "/" + sig.pattern + "/";
  }
  if (sig.flags.caseless) line += 'i';
  if (sig.flags.multiline) line += 'm';
  if (sig.flags.dotall) line += 's';
  return line;
}

}  // namespace spamwall::signatures
