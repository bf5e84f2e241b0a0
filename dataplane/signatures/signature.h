// The signature: what a signature file holds, what the compiler takes, what
// a hit names. Plain data with no library behind it, so the control plane,
// the dataplane's sampler and the tools share one definition.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace spamwall::signatures {

enum class SigClass : uint8_t { kSpam = 0, kMalware = 1 };

// Where a signature applies: kRaw, the message bytes as received (headers and
// body); kBody, the bytes after the header block (the first empty line).
enum class Scope : uint8_t { kRaw = 0, kBody = 1 };

enum class PatternKind : uint8_t { kLiteral = 0, kRegex = 1 };

// PCRE flags a pattern may carry (a literal takes only caseless).
struct PatternFlags {
  bool caseless = false;   // i
  bool multiline = false;  // m: ^ and $ at every line
  bool dotall = false;     // s: . matches \n too
  bool operator==(const PatternFlags&) const = default;
};

struct Signature {
  std::string id;  // [A-Za-z0-9_.-]{1,128}, unique in a set
  SigClass cls = SigClass::kSpam;
  double score = 0;
  Scope scope = Scope::kRaw;
  PatternKind kind = PatternKind::kLiteral;
  std::string pattern;  // the literal's bytes, or the PCRE2 source text
  PatternFlags flags;
  std::string origin;   // "file:line", for messages; not part of identity
};

// One signature that matched a message.
struct Hit {
  uint32_t index = 0;    // the signature's place in its database
  std::string_view id;   // valid while the database lives
  SigClass cls = SigClass::kSpam;
  double score = 0;
};

std::string_view ClassName(SigClass c);
std::string_view ScopeName(Scope s);

// The PCRE2 source for a signature: a regex as written, a literal with every
// byte escaped (\xHH), so both engines see one regular expression.
std::string RegexSource(const Signature& sig);

// The signature as one line of the signature file format (docs/signatures.md).
std::string FormatSignature(const Signature& sig);

}  // namespace spamwall::signatures
