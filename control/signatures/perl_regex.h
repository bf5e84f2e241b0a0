// Perl regular expressions as SpamAssassin writes them (/re/flags,
// m{re}flags, m!re!flags) into PCRE2 patterns with the same meaning.
#pragma once

#include <string>
#include <string_view>

#include "dataplane/signatures/signature.h"

namespace spamwall::signatures {

struct PerlRegex {
  std::string pattern;  // between the delimiters, as written
  PatternFlags flags;
};

// Splits a Perl match operator into pattern and flags. False and `error`
// set when it is not one, or carries a flag other than i, m, s.
bool SplitPerlRegex(std::string_view text, PerlRegex& out, std::string& error);

// Rewrites what Perl (5.36, Debian 12's) and PCRE2 (10.42) read differently:
//   x{,n}  Perl: x{0,n}; PCRE2 10.42: the literal text "{,n}"
// and refuses what PCRE2 has no form for:
//   (?{ code }), (??{ code })  Perl code in the pattern
// Empty and `error` set when refused.
std::string PerlToPcre2(std::string_view pattern, std::string& error);

}  // namespace spamwall::signatures
