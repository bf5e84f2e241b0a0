#include "control/events/uri_redact.h"

namespace spamwall::events {
namespace {

struct Span {
  size_t pos = std::string_view::npos;
  size_t len = 0;
};

// Where the passwords sit in the URI: the userinfo's, then each
// password= query parameter's.
std::vector<Span> PasswordSpans(std::string_view uri) {
  std::vector<Span> spans;
  size_t scheme = uri.find("://");
  if (scheme == std::string_view::npos) return spans;
  size_t auth = scheme + 3;
  size_t auth_end = uri.find_first_of("/?#", auth);
  if (auth_end == std::string_view::npos) auth_end = uri.size();
  std::string_view authority = uri.substr(auth, auth_end - auth);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    size_t colon = authority.find(':');
    if (colon < at) spans.push_back({auth + colon + 1, at - colon - 1});
  }
  size_t query = uri.find('?', auth_end);
  while (query != std::string_view::npos && query < uri.size()) {
    size_t start = query + 1;
    size_t end = uri.find('&', start);
    if (end == std::string_view::npos) end = uri.size();
    std::string_view param = uri.substr(start, end - start);
    constexpr std::string_view kKey = "password=";
    if (param.substr(0, kKey.size()) == kKey) {
      spans.push_back({start + kKey.size(), param.size() - kKey.size()});
    }
    query = end < uri.size() ? end : std::string_view::npos;
  }
  return spans;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
        HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string RedactUri(std::string_view uri) {
  std::string out(uri);
  std::vector<Span> spans = PasswordSpans(uri);
  // Back to front, so the earlier positions stay valid.
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) out.replace(it->pos, it->len, "***");
  return out;
}

std::vector<std::string> UriPasswords(std::string_view uri) {
  std::vector<std::string> out;
  for (const Span& span : PasswordSpans(uri)) {
    std::string raw(uri.substr(span.pos, span.len));
    std::string decoded = PercentDecode(raw);
    out.push_back(raw);
    if (decoded != raw) out.push_back(decoded);
  }
  return out;
}

std::string Scrub(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  for (const std::string& secret : secrets) {
    if (secret.size() < 4) continue;
    for (size_t pos = out.find(secret); pos != std::string::npos;
         pos = out.find(secret, pos + 3)) {
      out.replace(pos, secret.size(), "***");
    }
  }
  return out;
}

}  // namespace spamwall::events
