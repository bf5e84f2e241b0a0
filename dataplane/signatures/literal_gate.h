// Literal gates: for a regex, sets of literals that every match must contain
// (a conjunction of factors, each a set of alternatives). When every factor
// has one of its literals in a message, the signature is confirmed with
// PCRE2; when one is missing, the regex cannot match, so skipping it is
// exact. The literals are lowercased and matched caselessly (a superset of
// any case rule), and come from a conservative reading of the pattern:
// anything it does not understand requires nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/signatures/signature.h"

namespace spamwall::signatures {

struct LiteralGate {
  static constexpr size_t kNoLead = SIZE_MAX;
  // All factors are required; a factor is met by any one of its literals.
  std::vector<std::vector<std::string>> factors;
  // Per factor: every match holds one of its literals starting at most
  // leads + lead_runs x R bytes after the match starts (kNoLead: not
  // bounded), R being the longest run in the message of bytes of one of
  // run_classes (the byte sets the regex repeats without bound, both
  // cases). A confirmation then need only try the starts that far before
  // each place the factor was seen.
  std::vector<size_t> leads;
  std::vector<size_t> lead_runs;
  std::vector<std::string> run_classes;
  bool ok() const { return !factors.empty(); }
};

// The gate of a signature's regex; empty (not ok) when no factor of at
// least `min_length` bytes can be proven necessary.
LiteralGate ExtractLiteralGate(const Signature& sig, size_t min_length = 3);

}  // namespace spamwall::signatures
