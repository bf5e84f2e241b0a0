// SpamAssassin's ReplaceTags plugin: in the rules named by replace_rules,
// <TAG> becomes its replace_tag expression, with the replace_pre/post/inter
// expressions a rule asks for by <pre NAME>, <post NAME>, <inter NAME>.
#pragma once

#include <map>
#include <string>

namespace spamwall::signatures {

struct SaTags {
  std::map<std::string, std::string> tag, pre, post, inter;
};

// `re` as SpamAssassin's qr_to_string gives it ("(?i)pattern" when the rule
// has flags), the tags replaced as ReplaceTags.pm does (up to 6 passes while
// a replacement brings in more tags).
std::string ReplaceSaTags(std::string re, const SaTags& tags);

}  // namespace spamwall::signatures
