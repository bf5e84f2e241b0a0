// The reference engine: every signature by PCRE2 alone, one after another,
// over the whole message (raw scope) or its body (body scope). What the
// engine's hits must equal (the differential test, spamwall-sigscan
// --pcre2-only), and the baseline its speed is measured against.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/signatures/pcre2_regex.h"
#include "dataplane/signatures/signature.h"

namespace spamwall::signatures {

class ReferenceMatcher {
 public:
  // Null and `error` ("ID: why") when PCRE2 refuses a pattern.
  static std::unique_ptr<ReferenceMatcher> Create(std::vector<Signature> sigs,
                                                  const MatchLimits& limits, std::string& error);

  const std::vector<Signature>& signatures() const { return sigs_; }

  // The indices of the signatures that match, ascending; those whose match
  // hit a limit go to `limit_hits` instead.
  void Match(std::string_view message, std::vector<uint32_t>& hits,
             std::vector<uint32_t>& limit_hits);

  // One signature alone (for per-rule timing).
  MatchOutcome MatchOne(uint32_t index, std::string_view message);

 private:
  ReferenceMatcher(std::vector<Signature> sigs, const MatchLimits& limits)
      : sigs_(std::move(sigs)), scratch_(limits) {}
  std::vector<Signature> sigs_;
  std::vector<std::unique_ptr<Pcre2Regex>> regex_;
  Pcre2Scratch scratch_;
};

}  // namespace spamwall::signatures
