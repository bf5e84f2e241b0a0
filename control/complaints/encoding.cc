#include "control/complaints/encoding.h"

#include <cstdint>

namespace spamwall::complaints {

namespace {

int Base64Value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool Space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char LowerChar(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The tag's name, lowercase, without a leading '/'.
std::string TagName(std::string_view tag) {
  if (!tag.empty() && tag.front() == '/') tag.remove_prefix(1);
  std::string name;
  for (char c : tag) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) break;
    if (name.size() == 12) break;
    name.push_back(LowerChar(c));
  }
  return name;
}

bool EndsBlock(const std::string& n) {
  static constexpr std::string_view kBlocks[] = {"br", "p", "div", "tr", "li", "table", "ul", "ol",
                                                 "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre",
                                                 "blockquote", "dt", "dd", "title", "body"};
  for (std::string_view b : kBlocks)
    if (n == b) return true;
  return false;
}

bool LooksLikeId(std::string_view tag) {
  if (tag.find('@') == std::string_view::npos) return false;
  for (char c : tag)
    if (Space(c) || c == '=' || c == '"' || c == '\'') return false;
  return true;
}

// The entity at in[i] ('&'): its text and length, or false.
bool Entity(std::string_view in, size_t i, char* out, size_t* len) {
  const size_t semi = in.substr(i, 12).find(';');
  if (semi == std::string_view::npos || semi < 2) return false;
  const std::string_view name = in.substr(i + 1, semi - 1);
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", ' '}};
  for (const auto& [n, c] : kNamed) {
    if (name == n) {
      *out = c;
      *len = semi + 1;
      return true;
    }
  }
  if (name[0] != '#') return false;
  const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
  const std::string_view digits = name.substr(hex ? 2 : 1);
  if (digits.empty()) return false;
  uint32_t v = 0;
  for (char c : digits) {
    const int d = hex ? HexValue(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
    if (d < 0) return false;
    v = v * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    if (v > 0x7f) return false;  // ASCII only: what a Message-ID is written in
  }
  if (v < 0x20 && v != '\t' && v != '\n') return false;
  *out = static_cast<char>(v);
  *len = semi + 1;
  return true;
}

}  // namespace

bool DecodeBase64(std::string_view in, std::string* out, size_t* bad) {
  out->clear();
  out->reserve(in.size() / 4 * 3 + 3);
  uint32_t acc = 0;
  int n = 0;
  auto flush = [&] {  // a partial group of 2 or 3 sextets: 1 or 2 bytes
    if (n == 2) out->push_back(static_cast<char>(acc >> 4 & 0xff));
    if (n == 3) {
      out->push_back(static_cast<char>(acc >> 10 & 0xff));
      out->push_back(static_cast<char>(acc >> 2 & 0xff));
    }
    acc = 0;
    n = 0;
  };
  for (size_t i = 0; i < in.size(); i++) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (Space(static_cast<char>(c))) continue;
    if (c == '=') {
      if (n == 1) {
        *bad = i;
        return false;
      }
      flush();  // more '=' after it find n == 0 and are skipped
      continue;
    }
    const int v = Base64Value(c);
    if (v < 0) {
      *bad = i;
      return false;
    }
    acc = acc << 6 | static_cast<uint32_t>(v);
    if (++n == 4) {
      out->push_back(static_cast<char>(acc >> 16 & 0xff));
      out->push_back(static_cast<char>(acc >> 8 & 0xff));
      out->push_back(static_cast<char>(acc & 0xff));
      acc = 0;
      n = 0;
    }
  }
  if (n == 1) {
    *bad = in.size();
    return false;
  }
  flush();
  return true;
}

std::string DecodeQuotedPrintable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); i++) {
    if (in[i] != '=') {
      out.push_back(in[i]);
      continue;
    }
    size_t j = i + 1;
    while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) j++;
    if (j == in.size()) break;  // '=' at the very end: a soft break with nothing after it
    if (in[j] == '\n') {        // soft line break
      i = j;
      continue;
    }
    if (in[j] == '\r' && j + 1 < in.size() && in[j + 1] == '\n') {
      i = j + 1;
      continue;
    }
    if (i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(in[i + 1]) << 4 | HexValue(in[i + 2])));
      i += 2;
      continue;
    }
    out.push_back('=');
  }
  return out;
}

std::string HtmlToText(std::string_view h) {
  std::string out;
  out.reserve(h.size());
  bool pre = false;  // inside <pre>: line breaks are the source's
  // Blanks collapse to one, none starts a line (a field name begins its line),
  // and line breaks collapse too.
  auto put = [&](char c) {
    if (c == ' ' && (out.empty() || out.back() == ' ' || out.back() == '\n')) return;
    if (c == '\n' && !out.empty() && out.back() == ' ') out.pop_back();
    if (c == '\n' && (out.empty() || out.back() == '\n')) return;  // no empty lines: none matter
    out.push_back(c);
  };
  size_t i = 0;
  while (i < h.size()) {
    const char c = h[i];
    if (c == '<') {
      if (h.substr(i, 4) == "<!--") {
        const size_t end = h.find("-->", i + 4);
        i = end == std::string_view::npos ? h.size() : end + 3;
        continue;
      }
      const size_t end = h.find('>', i + 1);
      if (end == std::string_view::npos) {  // not a tag: the rest is text
        for (; i < h.size(); i++) {
          if (pre) out.push_back(h[i]);
          else put(Space(h[i]) ? ' ' : h[i]);
        }
        break;
      }
      const std::string_view tag = h.substr(i + 1, end - i - 1);
      i = end + 1;
      if (LooksLikeId(tag)) {
        out.push_back('<');
        out.append(tag);
        out.push_back('>');
        continue;
      }
      const std::string name = TagName(tag);
      if (name == "pre") pre = tag.front() != '/';
      if (EndsBlock(name)) put('\n');
      else if (name == "td" || name == "th") put(' ');
      continue;
    }
    if (c == '&') {
      char decoded = 0;
      size_t len = 0;
      if (Entity(h, i, &decoded, &len)) {
        put(decoded == '\t' ? ' ' : decoded);
        i += len;
        continue;
      }
    }
    if (pre) {  // as written: a folded field keeps the blank that starts its next line
      if (c != '\r') out.push_back(c);
    } else if (Space(c)) {
      put(' ');
    } else {
      out.push_back(c);
    }
    i++;
  }
  return out;
}

}  // namespace spamwall::complaints
