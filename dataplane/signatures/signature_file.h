// The signature file: one signature a line (docs/signatures.md).
//
//   # comment
//   ID CLASS SCORE SCOPE PATTERN
//   GTUBE spam 1000 raw "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
//   PILLS spam 2.5 body /v[i1]agra\s+(?:cheap|online)/i
//
// Every refusal names FILE:LINE and why; a file with any refusal yields no
// signatures (the caller keeps what it had).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dataplane/signatures/signature.h"

namespace spamwall::signatures {

struct ParseResult {
  std::vector<Signature> signatures;
  std::vector<std::string> errors;  // "FILE:LINE: message", in line order
  bool ok() const { return errors.empty(); }
};

// Parses `text`, naming it `name` in messages. Regexes are checked with
// PCRE2 (the reference engine); ids must be unique within the text.
ParseResult ParseSignatureText(std::string_view text, std::string_view name);

// Reads and parses each file in turn; ids must be unique across all of them.
ParseResult ParseSignatureFiles(const std::vector<std::string>& paths);

// The same over files already read (a policy's, from a client's bundle).
struct SignatureText {
  std::string_view name;  // in messages: "NAME:LINE: ..."
  std::string_view text;
};
ParseResult ParseSignatureTexts(const std::vector<SignatureText>& files);

// One line's pattern field ("..."[i] or /.../[ims]) into kind, pattern,
// flags; false and `error` set when it is not one.
bool ParsePatternField(std::string_view field, Signature& sig, std::string& error);

// Checks a regex with PCRE2; empty string when it compiles, else why not.
std::string CheckRegex(std::string_view pattern, const PatternFlags& flags);

}  // namespace spamwall::signatures
