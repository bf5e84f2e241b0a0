#include "dataplane/signatures/pcre2_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <new>

namespace spamwall::signatures {

Pcre2Scratch::Pcre2Scratch(const MatchLimits& limits) {
  match_data_ = pcre2_match_data_create(1, nullptr);
  context_ = pcre2_match_context_create(nullptr);
  jit_stack_ = pcre2_jit_stack_create(32 * 1024, limits.jit_stack_bytes, nullptr);
  if (match_data_ == nullptr || context_ == nullptr) throw std::bad_alloc();
  pcre2_set_match_limit(context_, limits.match_limit);
  pcre2_set_depth_limit(context_, limits.depth_limit);
  if (jit_stack_ != nullptr) pcre2_jit_stack_assign(context_, nullptr, jit_stack_);
}

Pcre2Scratch::~Pcre2Scratch() {
  pcre2_jit_stack_free(jit_stack_);
  pcre2_match_context_free(context_);
  pcre2_match_data_free(match_data_);
}

std::unique_ptr<Pcre2Regex> Pcre2Regex::Compile(const Signature& sig, std::string& error,
                                                bool windows) {
  uint32_t options = windows ? PCRE2_USE_OFFSET_LIMIT : 0;
  if (sig.flags.caseless) options |= PCRE2_CASELESS;
  if (sig.flags.multiline) options |= PCRE2_MULTILINE;
  if (sig.flags.dotall) options |= PCRE2_DOTALL;
  std::string source = RegexSource(sig);
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(),
                                 options, &code, &offset, nullptr);
  if (re == nullptr) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    error = std::string(reinterpret_cast<char*>(buf)) + " at offset " + std::to_string(offset);
    return nullptr;
  }
  bool jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
  return std::unique_ptr<Pcre2Regex>(new Pcre2Regex(re, jit));
}

Pcre2Regex::~Pcre2Regex() { pcre2_code_free(code_); }

namespace {

MatchOutcome Outcome(int rc) {
  if (rc >= 0) return MatchOutcome::kMatch;
  if (rc == PCRE2_ERROR_NOMATCH) return MatchOutcome::kNoMatch;
  // PCRE2_ERROR_MATCHLIMIT, _DEPTHLIMIT, _HEAPLIMIT, _JIT_STACKLIMIT: bounded.
  return MatchOutcome::kLimit;
}

}  // namespace

MatchOutcome Pcre2Regex::Search(std::string_view subject, Pcre2Scratch& scratch) const {
  return Outcome(pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(),
                             0, 0, scratch.match_data_, scratch.context_));
}

MatchOutcome Pcre2Regex::SearchWindow(std::string_view subject, size_t first, size_t last,
                                      Pcre2Scratch& scratch) const {
  // The limit lives in the shared match context: set for this search only.
  pcre2_set_offset_limit(scratch.context_, last);
  int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), first,
                       0, scratch.match_data_, scratch.context_);
  pcre2_set_offset_limit(scratch.context_, PCRE2_UNSET);
  return Outcome(rc);
}

std::string_view MessageBody(std::string_view message) {
  size_t pos = 0;
  while ((pos = message.find('\n', pos)) != std::string_view::npos) {
    if (pos + 1 < message.size() && message[pos + 1] == '\n') return message.substr(pos + 2);
    if (pos + 2 < message.size() && message[pos + 1] == '\r' && message[pos + 2] == '\n') {
      return message.substr(pos + 3);
    }
    ++pos;
  }
  return {};
}

}  // namespace spamwall::signatures
