#include "control/complaints/mime.h"

namespace spamwall::complaints {

namespace {

bool Blank(char c) { return c == ' ' || c == '\t'; }
char LowerChar(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (LowerChar(a[i]) != LowerChar(b[i])) return false;
  return true;
}

std::string_view TrimSpace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerChar(c);
  return out;
}

bool LineCursor::Next(std::string_view* line) {
  if (pos_ >= text_.size()) return false;
  start_ = pos_;
  const size_t lf = text_.find('\n', pos_);
  const size_t end = lf == std::string_view::npos ? text_.size() : lf;
  pos_ = lf == std::string_view::npos ? text_.size() : lf + 1;
  *line = text_.substr(start_, end - start_);
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
  return true;
}

bool SplitField(std::string_view line, std::string_view* name, std::string_view* value) {
  size_t i = 0;
  while (i < line.size()) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    if (c < 33 || c > 126 || c == ':') break;
    i++;
  }
  if (i == 0) return false;
  size_t colon = i;
  while (colon < line.size() && Blank(line[colon])) colon++;
  if (colon >= line.size() || line[colon] != ':') return false;
  *name = line.substr(0, i);
  *value = line.substr(colon + 1);
  return true;
}

size_t ReadHeaderFields(std::string_view text, absl::FunctionRef<void(const HeaderField&)> fn,
                        size_t* fields) {
  LineCursor cursor(text);
  std::string folded;  // the value of a field with continuation lines
  std::string_view name, value;
  const char* where = nullptr;
  bool pending = false, continued = false;
  size_t count = 0, body = text.size();
  auto flush = [&] {
    if (!pending) return;
    fn(HeaderField{name, TrimSpace(continued ? std::string_view(folded) : value), where});
    count++;
    pending = false;
  };
  std::string_view line;
  bool first = true;
  while (cursor.Next(&line)) {
    const bool mbox = first && line.substr(0, 5) == "From ";
    first = false;
    if (mbox) continue;
    if (TrimSpace(line).empty()) {  // the empty line: the body follows it
      body = cursor.pos();
      break;
    }
    if (Blank(line.front())) {
      if (!pending) {  // indented text before any field: not a header block
        body = cursor.start();
        break;
      }
      if (!continued) folded.assign(value);
      continued = true;
      folded.append(line);  // unfolding keeps the blank that starts the line
      continue;
    }
    std::string_view n, v;
    if (!SplitField(line, &n, &v)) {  // no empty line: the body starts here
      body = cursor.start();
      break;
    }
    flush();
    name = n;
    value = v;
    where = line.data();
    pending = true;
    continued = false;
  }
  flush();
  if (fields) *fields = count;
  return body;
}

const std::string* MediaType::Param(std::string_view name) const {
  for (const auto& [n, v] : params)
    if (n == name) return &v;
  return nullptr;
}

MediaType ParseMediaType(std::string_view v) {
  MediaType m;
  const size_t semi = v.find(';');
  std::string_view head = v.substr(0, semi);
  if (const size_t paren = head.find('('); paren != std::string_view::npos) head = head.substr(0, paren);
  head = TrimSpace(head);
  if (const size_t slash = head.find('/'); slash == std::string_view::npos) {
    m.type = Lower(head);
  } else {
    m.type = Lower(TrimSpace(head.substr(0, slash)));
    m.subtype = Lower(TrimSpace(head.substr(slash + 1)));
  }
  size_t i = semi == std::string_view::npos ? v.size() : semi + 1;
  while (i < v.size() && m.params.size() < 32) {
    while (i < v.size() && (Blank(v[i]) || v[i] == ';')) i++;
    if (i >= v.size()) break;
    const size_t name_start = i;
    while (i < v.size() && v[i] != '=' && v[i] != ';') i++;
    const std::string_view pname = TrimSpace(v.substr(name_start, i - name_start));
    if (i >= v.size() || v[i] == ';') continue;  // a name without a value
    i++;                                        // '='
    while (i < v.size() && Blank(v[i])) i++;
    std::string value;
    if (i < v.size() && v[i] == '"') {
      for (i++; i < v.size() && v[i] != '"'; i++) {
        if (v[i] == '\\' && i + 1 < v.size()) i++;
        value.push_back(v[i]);
      }
      while (i < v.size() && v[i] != ';') i++;  // the closing quote and anything after it
    } else {
      const size_t start = i;
      while (i < v.size() && v[i] != ';') i++;
      value = std::string(TrimSpace(v.substr(start, i - start)));
    }
    if (!pname.empty()) m.params.emplace_back(Lower(pname), std::move(value));
  }
  return m;
}

Multipart SplitMultipart(std::string_view body, std::string_view boundary, size_t max_parts) {
  Multipart m;
  if (boundary.empty()) return m;
  LineCursor cursor(body);
  std::string_view line;
  bool in_part = false;
  size_t part_start = 0;
  while (cursor.Next(&line)) {
    if (line.size() < 2 + boundary.size() || line[0] != '-' || line[1] != '-' ||
        line.substr(2, boundary.size()) != boundary)
      continue;
    const std::string_view rest = line.substr(2 + boundary.size());
    const bool close = rest.substr(0, 2) == "--";
    if (!close && !TrimSpace(rest).empty()) continue;  // a longer boundary, or text
    m.found = true;
    m.last_delimiter = line.data();
    if (in_part) {
      // The line ending before a delimiter belongs to the delimiter.
      size_t end = cursor.start();
      if (end > part_start && body[end - 1] == '\n') end--;
      if (end > part_start && body[end - 1] == '\r') end--;
      if (m.parts.size() >= max_parts) {
        m.truncated = true;
        return m;
      }
      m.parts.push_back(body.substr(part_start, end - part_start));
    }
    if (close) {
      m.closed = true;
      return m;
    }
    in_part = true;
    part_start = cursor.pos();
  }
  if (in_part) {  // never closed: the last part runs to the end
    if (m.parts.size() >= max_parts) {
      m.truncated = true;
      return m;
    }
    m.parts.push_back(body.substr(part_start));
  }
  return m;
}

}  // namespace spamwall::complaints
