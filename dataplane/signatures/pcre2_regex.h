// One signature compiled by PCRE2 (JIT where the library has it): the
// confirmation of a prefiltered pattern, and the reference engine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "dataplane/signatures/signature.h"

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;
struct pcre2_real_match_context_8;
struct pcre2_real_jit_stack_8;

namespace spamwall::signatures {

// Bounds on one match, so no pattern can stall a core. match_limit bounds
// the backtracking steps (JIT and interpreter alike); depth_limit bounds the
// interpreter's backtracking depth; the JIT stack bounds the JIT's.
struct MatchLimits {
  uint32_t match_limit = 10'000'000;
  uint32_t depth_limit = 100'000;
  uint32_t jit_stack_bytes = 1u << 20;
};

enum class MatchOutcome : uint8_t { kNoMatch, kMatch, kLimit };

// Per-thread state for PCRE2 matches: match data, match context with the
// limits, JIT stack. Made once, used for every match on that thread.
class Pcre2Scratch {
 public:
  explicit Pcre2Scratch(const MatchLimits& limits = {});
  ~Pcre2Scratch();
  Pcre2Scratch(const Pcre2Scratch&) = delete;
  Pcre2Scratch& operator=(const Pcre2Scratch&) = delete;

 private:
  friend class Pcre2Regex;
  pcre2_real_match_data_8* match_data_ = nullptr;
  pcre2_real_match_context_8* context_ = nullptr;
  pcre2_real_jit_stack_8* jit_stack_ = nullptr;
};

class Pcre2Regex {
 public:
  // Compiles the signature's pattern (RegexSource) with its flags; nullptr
  // and `error` set when PCRE2 refuses it. With `windows`, SearchWindow()
  // may be used too (PCRE2_USE_OFFSET_LIMIT).
  static std::unique_ptr<Pcre2Regex> Compile(const Signature& sig, std::string& error,
                                             bool windows = false);
  ~Pcre2Regex();
  Pcre2Regex(const Pcre2Regex&) = delete;
  Pcre2Regex& operator=(const Pcre2Regex&) = delete;

  // Whether the pattern matches anywhere in `subject`.
  MatchOutcome Search(std::string_view subject, Pcre2Scratch& scratch) const;
  // Whether a match of the whole `subject` starts at an offset in
  // [first, last] (lookbehinds, ^ and \b still see the bytes before it).
  // Only for a regex compiled with `windows`; first <= last <= size.
  MatchOutcome SearchWindow(std::string_view subject, size_t first, size_t last,
                            Pcre2Scratch& scratch) const;
  bool jit() const { return jit_; }

 private:
  explicit Pcre2Regex(pcre2_real_code_8* code, bool jit) : code_(code), jit_(jit) {}
  pcre2_real_code_8* code_;
  bool jit_;
};

// The body of a message: the bytes after the header block, which ends at the
// first empty line ("\n\n" or "\n\r\n"); empty when there is none.
std::string_view MessageBody(std::string_view message);

}  // namespace spamwall::signatures
