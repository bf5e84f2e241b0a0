#include "dataplane/signatures/reference.h"

namespace spamwall::signatures {

std::unique_ptr<ReferenceMatcher> ReferenceMatcher::Create(std::vector<Signature> sigs,
                                                           const MatchLimits& limits,
                                                           std::string& error) {
  std::unique_ptr<ReferenceMatcher> m(new ReferenceMatcher(std::move(sigs), limits));
  for (const Signature& sig : m->sigs_) {
    std::string why;
    auto re = Pcre2Regex::Compile(sig, why);
    if (re == nullptr) {
      error = sig.id + ": " + why;
      return nullptr;
    }
    m->regex_.push_back(std::move(re));
  }
  return m;
}

MatchOutcome ReferenceMatcher::MatchOne(uint32_t index, std::string_view message) {
  std::string_view subject = sigs_[index].scope == Scope::kBody ? MessageBody(message) : message;
  return regex_[index]->Search(subject, scratch_);
}

void ReferenceMatcher::Match(std::string_view message, std::vector<uint32_t>& hits,
                             std::vector<uint32_t>& limit_hits) {
  hits.clear();
  limit_hits.clear();
  std::string_view body = MessageBody(message);
  for (uint32_t i = 0; i < sigs_.size(); ++i) {
    std::string_view subject = sigs_[i].scope == Scope::kBody ? body : message;
    MatchOutcome m = regex_[i]->Search(subject, scratch_);
    if (m == MatchOutcome::kMatch) hits.push_back(i);
    if (m == MatchOutcome::kLimit) limit_hits.push_back(i);
  }
}

}  // namespace spamwall::signatures
