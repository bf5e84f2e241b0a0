// The entries of a list file (a prefix pool, a bulk quarantine list): one
// per line, '#' starts a comment, blank lines and surrounding whitespace
// are ignored. A template, so the pool reader's loop over a million lines
// stays free of calls.
#ifndef SPAMWALL_CONTROL_POLICY_LIST_LINES_H_
#define SPAMWALL_CONTROL_POLICY_LIST_LINES_H_

#include <cstdint>
#include <string_view>

namespace spamwall {

// isspace() of the C locale, without the locale lookup.
inline bool IsListSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Calls fn(line number from 1, entry) for each entry; fn returns false to stop.
template <typename Fn>
void ForEachListEntry(std::string_view text, Fn&& fn) {
  for (uint32_t lineno = 1; !text.empty(); lineno++) {
    size_t nl = text.find('\n');
    std::string_view s = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (size_t hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
    while (!s.empty() && IsListSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && IsListSpace(s.back())) s.remove_suffix(1);
    if (s.empty()) continue;
    if (!fn(lineno, s)) return;
  }
}

}  // namespace spamwall

#endif  // SPAMWALL_CONTROL_POLICY_LIST_LINES_H_
