#include "control/signatures/replace_tags.h"

#include <vector>

namespace spamwall::signatures {
namespace {

// Removes the first "<KIND NAME>" and returns NAME (empty when none).
std::string TakeDirective(std::string& re, const std::string& kind) {
  std::string open = "<" + kind + " ";
  size_t at = re.find(open);
  if (at == std::string::npos) return {};
  size_t close = re.find('>', at + open.size() + 1);  // (.+?): at least one character
  if (close == std::string::npos) return {};
  std::string name = re.substr(at + open.size(), close - at - open.size());
  re.erase(at, close - at + 1);
  return name;
}

// Perl's split(/(<[^<>]+>)/, $re): text and tags in turn; trailing empty
// fields dropped, as Perl does.
std::vector<std::string> SplitTags(const std::string& re) {
  std::vector<std::string> out;
  size_t from = 0, pos = 0;
  while ((pos = re.find('<', pos)) != std::string::npos) {
    size_t j = pos + 1;
    while (j < re.size() && re[j] != '<' && re[j] != '>') ++j;
    if (j < re.size() && re[j] == '>' && j > pos + 1) {
      out.push_back(re.substr(from, pos - from));
      out.push_back(re.substr(pos, j - pos + 1));
      from = pos = j + 1;
    } else {
      pos = j;
    }
  }
  out.push_back(re.substr(from));
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

// Finds Perl's /<.+?>/ in s from `from`: [begin, end) or npos.
size_t FindAngle(const std::string& s, size_t from, size_t& end) {
  for (size_t at = s.find('<', from); at != std::string::npos; at = s.find('<', at + 1)) {
    size_t close = s.find('>', at + 2);
    size_t nl = s.find('\n', at);
    if (close != std::string::npos && (nl == std::string::npos || nl > close)) {
      end = close + 1;
      return at;
    }
  }
  return std::string::npos;
}

}  // namespace

std::string ReplaceSaTags(std::string re, const SaTags& tags) {
  bool again = false;
  int passes = 0;
  do {
    again = false;
    std::string pre_name = TakeDirective(re, "pre");
    std::string post_name = TakeDirective(re, "post");
    std::string inter_name = TakeDirective(re, "inter");
    std::vector<std::string> parts = SplitTags(re);
    if (!pre_name.empty()) {
      auto it = tags.pre.find(pre_name);
      if (it != tags.pre.end() && !it->second.empty()) {
        for (std::string& p : parts) {
          size_t end = 0;
          size_t at = FindAngle(p, 0, end);
          if (at != std::string::npos) p.insert(at, it->second);
        }
      }
    }
    if (!post_name.empty()) {
      auto it = tags.post.find(post_name);
      if (it != tags.post.end() && !it->second.empty()) {
        for (std::string& p : parts) {
          size_t end = 0;
          for (size_t at = FindAngle(p, 0, end); at != std::string::npos; at = FindAngle(p, end, end)) {
            p.insert(end, it->second);
            end += it->second.size();
          }
        }
      }
    }
    if (!inter_name.empty()) {
      auto it = tags.inter.find(inter_name);
      if (it != tags.inter.end() && !it->second.empty()) {
        for (std::string& p : parts) {
          if (p.empty()) p = it->second;
        }
      }
    }
    for (std::string& p : parts) {
      size_t end = 0;
      size_t at = FindAngle(p, 0, end);
      if (at == std::string::npos) continue;
      std::string name = p.substr(at + 1, end - at - 2);
      auto it = tags.tag.find(name);
      if (it == tags.tag.end() || it->second.empty()) continue;
      std::string whole = "<" + name + ">";
      for (size_t k = p.find(whole); k != std::string::npos; k = p.find(whole, k + it->second.size())) {
        p.replace(k, whole.size(), it->second);
      }
      if (!again && it->second.find('<') != std::string::npos) {
        // Perl: $replacement =~ /<[^>]+>/
        size_t lt = it->second.find('<');
        size_t gt = it->second.find('>', lt + 2);
        again = gt != std::string::npos;
      }
    }
    re.clear();
    for (const std::string& p : parts) re += p;
    ++passes;
  } while (again && passes <= 5);
  return re;
}

}  // namespace spamwall::signatures
