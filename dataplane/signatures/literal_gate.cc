#include "dataplane/signatures/literal_gate.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

namespace spamwall::signatures {
namespace {

using Strings = std::set<std::string>;

constexpr size_t kUnbounded = SIZE_MAX;

size_t SatAdd(size_t a, size_t b) { return a > kUnbounded - b ? kUnbounded : a + b; }
size_t SatMul(size_t a, size_t b) {
  if (a == 0 || b == 0) return 0;
  return a > kUnbounded / b ? kUnbounded : a * b;
}

// A bound on a length: at most `bytes` plus `runs` times R, R being the
// longest run, in the message, of bytes of one of the regex's run classes
// (a byte set repeated without bound: the d of `ad+res`, [sc] of `li[sc]+`;
// a match's run lies inside one of the message's). bytes == kUnbounded:
// no bound known.
struct Width {
  size_t bytes = 0;
  size_t runs = 0;
  bool bounded() const { return bytes != kUnbounded; }
  bool operator<(const Width& o) const {
    return bytes != o.bytes ? bytes < o.bytes : runs < o.runs;
  }
};

constexpr Width kNoBound{kUnbounded, 0};

Width Bytes(size_t n) { return {n, 0}; }

Width Checked(size_t bytes, size_t runs) {
  return bytes == kUnbounded || runs == kUnbounded ? kNoBound : Width{bytes, runs};
}

Width Add(Width a, Width b) {
  if (!a.bounded() || !b.bounded()) return kNoBound;
  return Checked(SatAdd(a.bytes, b.bytes), SatAdd(a.runs, b.runs));
}

Width Times(Width a, size_t n) {
  if (!a.bounded() || n == kUnbounded) return kNoBound;
  return Checked(SatMul(a.bytes, n), SatMul(a.runs, n));
}

Width Max(Width a, Width b) {
  if (!a.bounded() || !b.bounded()) return kNoBound;
  return {std::max(a.bytes, b.bytes), std::max(a.runs, b.runs)};
}

// A factor and how far into a match its string can start: every match
// holds one of `s` starting at most `lead` after the match's start.
struct Factor {
  Strings s;
  Width lead = kNoBound;
  bool operator<(const Factor& o) const { return s != o.s ? s < o.s : lead < o.lead; }
};

constexpr size_t kMaxExact = 64;     // strings an exact set may hold
constexpr size_t kMaxFactor = 256;   // literals a factor may hold
constexpr size_t kMaxFactors = 32;   // factors a gate may hold (a 32-bit mask)

// What is known of the matches of a piece of pattern:
//   exact: each match is one of these strings (lowercased);
//   else factors: each match contains a string of every factor, and
//   head: each match starts with one of these strings (when set);
//   tail: each match ends with one of these strings (when set);
//   width: no match is longer.
struct Info {
  std::optional<Strings> exact;
  std::vector<Factor> factors;
  std::optional<Strings> head;
  std::optional<Strings> tail;
  Width width = kNoBound;
};

size_t MinLength(const Strings& s) {
  size_t m = SIZE_MAX;
  for (const auto& x : s) m = std::min(m, x.size());
  return s.empty() ? 0 : m;
}

// Where a tail can start: one of its strings ends the match.
Width TailLead(Width width, const Strings& tail) {
  if (!width.bounded()) return kNoBound;
  return {width.bytes - std::min(width.bytes, MinLength(tail)), width.runs};
}

size_t MaxLength(const Strings& s) {
  size_t m = 0;
  for (const auto& x : s) m = std::max(m, x.size());
  return m;
}

Info Exact(Strings s) {
  Info i;
  i.width = Bytes(MaxLength(s));
  i.exact = std::move(s);
  return i;
}

// Anything of at most `width`.
Info Unknown(Width width) {
  Info i;
  i.width = width;
  return i;
}

Info Unknown(size_t bytes) { return Unknown(Bytes(bytes)); }

std::optional<Strings> Product(const Strings& a, const Strings& b) {
  if (a.size() * b.size() > kMaxExact) return std::nullopt;
  Strings out;
  for (const auto& x : a)
    for (const auto& y : b) out.insert(x + y);
  return out;
}

class Analyzer {
 public:
  Analyzer(const std::string& p, size_t min_length) : p_(p), min_(min_length) {}

  bool Run(LiteralGate& gate) {
    Info info = Alternation();
    if (failed_ || pos_ != p_.size()) return false;
    std::vector<Factor> factors = Implied(Finalize(std::move(info)));
    std::stable_sort(factors.begin(), factors.end(), [](const Factor& a, const Factor& b) {
      return MinLength(a.s) > MinLength(b.s);
    });
    if (factors.size() > kMaxFactors) factors.resize(kMaxFactors);
    for (auto& f : factors) {
      gate.factors.emplace_back(f.s.begin(), f.s.end());
      bool bounded = !no_window_ && f.lead.bounded();
      gate.leads.push_back(bounded ? f.lead.bytes : LiteralGate::kNoLead);
      gate.lead_runs.push_back(bounded ? f.lead.runs : 0);
    }
    gate.run_classes.assign(run_classes_.begin(), run_classes_.end());
    return gate.ok();
  }

 private:
  // Drops duplicate factors and those another implies (every literal of
  // the other contains one of theirs: "abcd" implies "abc").
  static std::vector<Factor> Implied(std::vector<Factor> in) {
    // Sorted by strings, then lead: of equal factors the first has the least.
    std::sort(in.begin(), in.end());
    in.erase(std::unique(in.begin(), in.end(),
                         [](const Factor& a, const Factor& b) { return a.s == b.s; }),
             in.end());
    auto implies = [](const Strings& a, const Strings& b) {
      for (const auto& x : a) {
        bool found = false;
        for (const auto& y : b) found = found || x.find(y) != std::string::npos;
        if (!found) return false;
      }
      return true;
    };
    std::vector<Factor> out;
    for (size_t i = 0; i < in.size(); ++i) {
      bool redundant = false;
      for (size_t j = 0; j < in.size() && !redundant; ++j) {
        redundant = j != i && implies(in[j].s, in[i].s);
      }
      if (!redundant) out.push_back(in[i]);
    }
    return out;
  }

  // A factor worth gating on: not too short, not too many.
  bool Useful(const Strings& s) const {
    return !s.empty() && MinLength(s) >= min_ && s.size() <= kMaxFactor;
  }

  void AddFactor(std::vector<Factor>& factors, const Strings& s, Width lead) const {
    if (Useful(s)) factors.push_back({s, lead});
  }

  // A head starts a match; a tail starts at most the piece's width into it.
  std::vector<Factor> Finalize(Info i) const {
    std::vector<Factor> out = std::move(i.factors);
    if (i.exact) AddFactor(out, *i.exact, Bytes(0));
    if (i.head) AddFactor(out, *i.head, Bytes(0));
    if (i.tail) AddFactor(out, *i.tail, TailLead(i.width, *i.tail));
    return out;
  }

  // The single best factor of a piece (for alternations).
  std::optional<Factor> Best(const Info& i) const {
    std::vector<Factor> f = Finalize(i);
    if (f.empty()) return std::nullopt;
    return *std::max_element(f.begin(), f.end(), [](const Factor& a, const Factor& b) {
      return MinLength(a.s) < MinLength(b.s);
    });
  }

  // Joins x's strings followed by y's into one factor when the product is
  // small, else keeps both as factors. x starts within `lead_x` of the
  // match, y within `lead_y`.
  void Join(std::vector<Factor>& factors, const Strings& x, Width lead_x, const Strings& y,
            Width lead_y) const {
    if (auto p = Product(x, y)) {
      AddFactor(factors, *p, lead_x);
    } else {
      AddFactor(factors, x, lead_x);
      AddFactor(factors, y, lead_y);
    }
  }

  // b's factors start at most a's width further into the concatenation.
  static void Shifted(std::vector<Factor>& out, std::vector<Factor>& b, Width by) {
    for (auto& f : b) out.push_back({std::move(f.s), Add(f.lead, by)});
  }

  Info Concat(Info a, Info b) const {
    Width width = Add(a.width, b.width);
    Info out = ConcatParts(std::move(a), std::move(b));
    out.width = width;
    return out;
  }

  Info ConcatParts(Info a, Info b) const {
    const Width aw = a.width;  // where b starts, at the most
    if (a.exact && b.exact) {
      if (auto p = Product(*a.exact, *b.exact)) return Exact(std::move(*p));
      Info out;
      AddFactor(out.factors, *a.exact, Bytes(0));
      out.head = std::move(a.exact);
      out.tail = std::move(b.exact);
      return out;
    }
    Info out;
    if (a.exact) {
      // a's strings, then b's head when b has one: every match starts so.
      if (b.head) {
        if (auto p = Product(*a.exact, *b.head)) {
          AddFactor(out.factors, *p, Bytes(0));
          out.head = std::move(*p);
        } else {
          AddFactor(out.factors, *a.exact, Bytes(0));
          AddFactor(out.factors, *b.head, aw);
          out.head = std::move(a.exact);
        }
      } else {
        AddFactor(out.factors, *a.exact, Bytes(0));
        out.head = std::move(a.exact);
      }
      Shifted(out.factors, b.factors, aw);
      out.tail = std::move(b.tail);
      return out;
    }
    out.factors = std::move(a.factors);
    out.head = std::move(a.head);
    if (b.exact) {
      if (a.tail) {
        if (auto p = Product(*a.tail, *b.exact)) {
          out.tail = std::move(*p);
        } else {
          AddFactor(out.factors, *a.tail, TailLead(aw, *a.tail));
          out.tail = std::move(b.exact);
        }
      } else {
        out.tail = std::move(b.exact);
      }
      return out;
    }
    if (a.tail && b.head) {
      Join(out.factors, *a.tail, TailLead(aw, *a.tail), *b.head, aw);
    } else {
      if (a.tail) AddFactor(out.factors, *a.tail, TailLead(aw, *a.tail));
      if (b.head) AddFactor(out.factors, *b.head, aw);
    }
    Shifted(out.factors, b.factors, aw);
    out.tail = std::move(b.tail);
    return out;
  }

  Info Alternate(Info a, Info b) const {
    Width width = Max(a.width, b.width);
    Info out = AlternateParts(std::move(a), std::move(b));
    out.width = width;
    return out;
  }

  Info AlternateParts(Info a, Info b) const {
    if (a.exact && b.exact && a.exact->size() + b.exact->size() <= kMaxExact) {
      a.exact->insert(b.exact->begin(), b.exact->end());
      return a;
    }
    Info out;
    auto fa = Best(a), fb = Best(b);
    if (fa && fb) {
      fa->s.insert(fb->s.begin(), fb->s.end());
      AddFactor(out.factors, fa->s, Max(fa->lead, fb->lead));
    }
    auto ha = a.exact ? a.exact : a.head;
    auto hb = b.exact ? b.exact : b.head;
    if (ha && hb && ha->size() + hb->size() <= kMaxExact) {
      ha->insert(hb->begin(), hb->end());
      out.head = std::move(ha);
    }
    auto ta = a.exact ? a.exact : a.tail;
    auto tb = b.exact ? b.exact : b.tail;
    if (ta && tb && ta->size() + tb->size() <= kMaxExact) {
      ta->insert(tb->begin(), tb->end());
      out.tail = std::move(ta);
    }
    return out;
  }

  Info Alternation() {
    Info acc = Sequence();
    while (!failed_ && pos_ < p_.size() && p_[pos_] == '|') {
      ++pos_;
      acc = Alternate(std::move(acc), Sequence());
    }
    return acc;
  }

  Info Sequence() {
    Info acc = Exact({""});
    while (!failed_ && pos_ < p_.size() && p_[pos_] != '|' && p_[pos_] != ')') {
      Info atom = Atom();
      atom = Quantified(std::move(atom));
      acc = Concat(std::move(acc), std::move(atom));
    }
    return acc;
  }

  // Reads a quantifier after an atom, if any.
  Info Quantified(Info atom) {
    if (pos_ >= p_.size()) return atom;
    size_t min = 1, max = 1;
    char c = p_[pos_];
    if (c == '?') {
      min = 0, max = 1, ++pos_;
    } else if (c == '*') {
      min = 0, max = SIZE_MAX, ++pos_;
    } else if (c == '+') {
      min = 1, max = SIZE_MAX, ++pos_;
    } else if (c == '{') {
      size_t j = pos_ + 1, a = 0, b = 0;
      bool digits_a = false, digits_b = false, comma = false;
      while (j < p_.size() && std::isdigit(static_cast<unsigned char>(p_[j]))) a = a * 10 + (p_[j++] - '0'), digits_a = true;
      if (j < p_.size() && p_[j] == ',') {
        comma = true, ++j;
        while (j < p_.size() && std::isdigit(static_cast<unsigned char>(p_[j]))) b = b * 10 + (p_[j++] - '0'), digits_b = true;
      }
      if (!digits_a || j >= p_.size() || p_[j] != '}') return atom;  // a literal '{'
      pos_ = j + 1;
      min = a;
      max = comma ? (digits_b ? b : SIZE_MAX) : a;
    } else {
      return atom;
    }
    if (pos_ < p_.size() && (p_[pos_] == '?' || p_[pos_] == '+')) ++pos_;  // lazy, possessive
    // Without an upper count, a byte set's repeat is one run (its length
    // bounded by the message's longest run of those bytes); anything else
    // has no bound.
    const Width width = max == SIZE_MAX ? RunWidth(atom) : Times(atom.width, max);
    if (min == 0) {
      if (atom.exact && max == 1) {
        atom.exact->insert("");
        return atom;
      }
      return Unknown(width);
    }
    if (atom.exact && min == max && min <= 4) {
      Info out = Exact({""});
      for (size_t k = 0; k < min; ++k) out = Concat(std::move(out), atom);
      return out;
    }
    // At least one match of the atom; more may follow. The first holds
    // the atom's factors where the atom alone holds them.
    Info out;
    out.width = width;
    if (atom.exact) {
      out.head = atom.exact;  // the head and tail carry it
      out.tail = atom.exact;
    } else {
      out.factors = std::move(atom.factors);
      out.head = std::move(atom.head);
      out.tail = std::move(atom.tail);
    }
    return out;
  }

  // A repeat of one byte of a set: registers the set (both cases: the
  // literals are lowercased, a caseless regex matches either) as a run class.
  Width RunWidth(const Info& atom) {
    if (!atom.exact || atom.exact->empty()) return kNoBound;
    std::set<char> bytes;
    for (const std::string& x : *atom.exact) {
      if (x.size() != 1) return kNoBound;
      unsigned char c = static_cast<unsigned char>(x[0]);
      bytes.insert(static_cast<char>(std::tolower(c)));
      bytes.insert(static_cast<char>(std::toupper(c)));
    }
    run_classes_.insert(std::string(bytes.begin(), bytes.end()));
    return {0, 1};
  }

  static std::string Lower(unsigned char c) {
    return std::string(1, static_cast<char>(std::tolower(c)));
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // After a backslash: a byte value, or -1 for a class or assertion, -2 for
  // an empty-width assertion, -3 failure. For -1, escape_width_ is the most
  // bytes it matches.
  int Escape() {
    if (pos_ >= p_.size()) return -3;
    char c = p_[pos_++];
    escape_width_ = 1;
    switch (c) {
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'f': return '\f';
      case 'e': return 0x1b;
      case 'a': return 0x07;
      case 'x': {
        if (pos_ < p_.size() && p_[pos_] == '{') {
          size_t close = p_.find('}', pos_);
          if (close == std::string::npos) return -3;
          int v = 0;
          for (size_t k = pos_ + 1; k < close; ++k) {
            int h = Hex(p_[k]);
            if (h < 0) return -3;
            v = v * 16 + h;
            if (v > 0xff) return -1;
          }
          pos_ = close + 1;
          return v;
        }
        int v = 0, n = 0;
        while (n < 2 && pos_ < p_.size() && Hex(p_[pos_]) >= 0) v = v * 16 + Hex(p_[pos_++]), ++n;
        return v;
      }
      case 'G': case 'K':
        // \G depends on where a search starts, \K moves where a match
        // starts: a confirmation must search the whole scope.
        no_window_ = true;
        return -2;
      case 'b': case 'B': case 'A': case 'z': case 'Z':
        return -2;
      case 'R':
        escape_width_ = 2;  // \r\n
        return -1;
      case 'X':
        escape_width_ = kUnbounded;  // a grapheme cluster
        return -1;
      case 'd': case 'D': case 'w': case 'W': case 's': case 'S': case 'h': case 'H':
      case 'v': case 'V': case 'N': case 'C':
        return -1;
      case 'p': case 'P':
        if (pos_ < p_.size() && p_[pos_] == '{') {
          size_t close = p_.find('}', pos_);
          if (close == std::string::npos) return -3;
          pos_ = close + 1;
        } else {
          ++pos_;
        }
        return -1;
      case 'k': case 'g': case 'o': {
        // References (\k<name>, \g{n}, \g1) and \o{...}: any text.
        if (c != 'o') escape_width_ = kUnbounded;
        if (pos_ < p_.size() && (p_[pos_] == '{' || p_[pos_] == '<' || p_[pos_] == '\'')) {
          char close = p_[pos_] == '{' ? '}' : p_[pos_] == '<' ? '>' : '\'';
          size_t end = p_.find(close, pos_ + 1);
          if (end == std::string::npos) return -3;
          pos_ = end + 1;
        } else {
          while (pos_ < p_.size() && (std::isdigit(static_cast<unsigned char>(p_[pos_])) || p_[pos_] == '-')) ++pos_;
        }
        return -1;
      }
      case 'c':
        if (pos_ < p_.size()) ++pos_;
        return -1;
      case 'Q': case 'E':
        failed_ = true;  // \Q..\E: quoting changes the syntax; not followed
        return -3;
      default:
        if (c >= '0' && c <= '9') {
          // A back-reference or an octal escape: either way, any text will do.
          escape_width_ = kUnbounded;
          while (pos_ < p_.size() && std::isdigit(static_cast<unsigned char>(p_[pos_]))) ++pos_;
          return -1;
        }
        if (std::isalnum(static_cast<unsigned char>(c))) {
          failed_ = true;
          return -3;
        }
        return static_cast<unsigned char>(c);
    }
  }

  // A character class: its bytes when few, else Unknown.
  Info Class() {
    // p_[pos_ - 1] == '['
    bool negated = false;
    if (pos_ < p_.size() && p_[pos_] == '^') negated = true, ++pos_;
    std::set<int> bytes;
    bool big = false, first = true;
    while (pos_ < p_.size() && (p_[pos_] != ']' || first)) {
      first = false;
      int lo;
      if (p_.compare(pos_, 2, "[:") == 0) {
        size_t close = p_.find(":]", pos_);
        if (close == std::string::npos) return Fail();
        pos_ = close + 2;
        big = true;
        continue;
      }
      if (p_[pos_] == '\\') {
        ++pos_;
        lo = Escape();
        if (lo == -3) return Fail();
        if (lo < 0) {
          big = true;
          continue;
        }
      } else {
        lo = static_cast<unsigned char>(p_[pos_++]);
      }
      int hi = lo;
      if (pos_ + 1 < p_.size() && p_[pos_] == '-' && p_[pos_ + 1] != ']') {
        ++pos_;
        if (p_[pos_] == '\\') {
          ++pos_;
          hi = Escape();
          if (hi < 0) return Fail();
        } else {
          hi = static_cast<unsigned char>(p_[pos_++]);
        }
      }
      if (hi - lo > 16) {
        big = true;
        continue;
      }
      for (int v = lo; v <= hi; ++v) bytes.insert(std::tolower(v));
    }
    if (pos_ >= p_.size()) return Fail();
    ++pos_;  // ']'
    if (negated || big || bytes.size() > 8) return Unknown(1);  // one byte: no UTF mode
    Strings s;
    for (int v : bytes) s.insert(std::string(1, static_cast<char>(v)));
    return Exact(std::move(s));
  }

  Info Fail() {
    failed_ = true;
    return Unknown(kUnbounded);
  }

  Info Group() {
    // p_[pos_ - 1] == '('
    if (pos_ < p_.size() && p_[pos_] == '*') return Fail();  // (*VERB): not followed
    bool zero_width = false;
    if (pos_ < p_.size() && p_[pos_] == '?') {
      ++pos_;
      if (pos_ >= p_.size()) return Fail();
      char c = p_[pos_];
      if (c == ':' || c == '>' || c == '|') {
        ++pos_;
      } else if (c == '=' || c == '!') {
        ++pos_, zero_width = true;
      } else if (c == '<' && pos_ + 1 < p_.size() && (p_[pos_ + 1] == '=' || p_[pos_ + 1] == '!')) {
        pos_ += 2, zero_width = true;
      } else if (c == '<' || c == '\'' || c == 'P') {
        char close = c == '\'' ? '\'' : '>';
        if (c == 'P') ++pos_;
        size_t end = p_.find(close, pos_ + 1);
        if (end == std::string::npos) return Fail();
        pos_ = end + 1;
      } else if (c == '#') {
        size_t end = p_.find(')', pos_);
        if (end == std::string::npos) return Fail();
        pos_ = end + 1;
        return Exact({""});
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '-' || c == '^') {
        // Inline options: (?i) (?s-m) (?i:...). Case does not change the
        // (caseless) gate; x would change the syntax.
        size_t j = pos_;
        while (j < p_.size() && (std::isalpha(static_cast<unsigned char>(p_[j])) || p_[j] == '-' || p_[j] == '^')) {
          if (p_[j] == 'x') return Fail();
          ++j;
        }
        if (j >= p_.size()) return Fail();
        pos_ = j + 1;
        if (p_[j] == ')') return Exact({""});
        if (p_[j] != ':') return Fail();
      } else {
        return Fail();  // conditionals, recursion, callouts: not followed
      }
    }
    Info inner = Alternation();
    if (pos_ >= p_.size() || p_[pos_] != ')') return Fail();
    ++pos_;
    return zero_width ? Exact({""}) : inner;
  }

  Info Atom() {
    char c = p_[pos_++];
    switch (c) {
      case '(': return Group();
      case '[': return Class();
      case '.': return Unknown(1);
      case '^': case '$': return Exact({""});
      case '*': case '+': case '?': return Fail();
      case '\\': {
        int v = Escape();
        if (v == -3) return Fail();
        if (v == -2) return Exact({""});
        if (v == -1) return Unknown(escape_width_);
        return Exact({Lower(static_cast<unsigned char>(v))});
      }
      default:
        return Exact({Lower(static_cast<unsigned char>(c))});
    }
  }

  const std::string& p_;
  size_t min_;
  size_t pos_ = 0;
  bool failed_ = false;
  bool no_window_ = false;
  size_t escape_width_ = 1;
  std::set<std::string> run_classes_;
};

}  // namespace

LiteralGate ExtractLiteralGate(const Signature& sig, size_t min_length) {
  LiteralGate gate;
  std::string source = sig.kind == PatternKind::kRegex ? sig.pattern : RegexSource(sig);
  Analyzer a(source, min_length);
  if (!a.Run(gate)) gate.factors.clear();
  return gate;
}

}  // namespace spamwall::signatures
