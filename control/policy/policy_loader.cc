// YAML (schema version 1) -> validated Policy, with every problem reported as
// file:line:col. Structure: one small reader per key, each appending to the
// Policy and to the diagnostics; nothing stops at the first error, so an
// operator sees every mistake of a file in one run.
#include "control/policy/policy_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "control/policy/ipv4_in_ipv6.h"
#include "control/policy/list_lines.h"
#include "control/policy/prefix_fast.h"
#include "dataplane/core/growable_mapping.h"
#include "dataplane/core/huge_page_hint.h"

namespace spamwall {

namespace {

namespace fs = std::filesystem;

// Defaults that match the example policy: a policy that names only its
// prefixes still blocks 25 and never touches submission, ssh, IMAP/POP, VPN.
const std::vector<uint16_t> kDefaultSmtpPorts = {25};
const std::vector<uint16_t> kDefaultSubmissionPorts = {587, 465};
const std::vector<uint16_t> kDefaultNeverBlockTcp = {22, 110, 143, 443, 465, 587, 993, 995, 1194};
const std::vector<uint16_t> kDefaultNeverBlockUdp = {500, 1194, 4500};

// How many lines (at most) in text: its '\n' bytes, eight at a time, + 1.
size_t CountLines(std::string_view text) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kLow7 = 0x7f7f7f7f7f7f7f7full;
  size_t n = 1, i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, text.data() + i, sizeof w);
    uint64_t x = w ^ (kOnes * '\n');  // newline bytes are now zero
    uint64_t zero = ~((((x & kLow7) + kLow7) | x) | kLow7) >> 7;  // 1 in each zero byte
    n += static_cast<size_t>((zero * kOnes) >> 56);  // their sum (no libgcc popcount)
  }
  for (; i < text.size(); i++) n += text[i] == '\n';
  return n;
}

// A pool file's bytes, read into a growable mapping: huge pages, so tens of
// megabytes cost a few page faults, not thousands (huge_page_hint.h); read,
// not mapped, so a file truncated while it is read cannot fault the process.
// Empty when nothing can be read (a directory), as getline would have found.
class FileText {
 public:
  // False when the file cannot be opened or is not a regular file (a FIFO
  // would block, /dev/zero never end): O_NONBLOCK, then fstat.
  bool Open(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return false;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      return false;
    }
    size_t want = static_cast<size_t>(st.st_size);
    buffer_.Reserve(want + (size_t{64} << 10));
    for (;;) {
      if (size_ == buffer_.capacity()) buffer_.Reserve(2 * size_);
      ssize_t got = read(fd, buffer_.data() + size_, buffer_.capacity() - size_);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      size_ += static_cast<size_t>(got);
    }
    close(fd);
    return true;
  }
  std::string_view text() const { return {reinterpret_cast<const char*>(buffer_.data()), size_}; }

 private:
  GrowableMapping buffer_;
  size_t size_ = 0;
};

// A threshold's name: what alerts, the audit log and `thresholds` commands
// show, so kept to characters that need no quoting anywhere.
bool IsThresholdName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)  // ASCII, whatever the locale
    if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_' &&
        c != '.' && c != '-')
      return false;
  return true;
}

// At most this many errors are kept per load; the rest are counted ("and N
// more"), so a garbage pool of a million lines makes one short refusal.
constexpr size_t kMaxErrors = 100;

class Reader {
 public:
  Reader(std::string name, std::string base_dir, Diagnostics* diag,
         const PolicySources* sources = nullptr, std::vector<std::string>* referenced = nullptr)
      : base_dir_(std::move(base_dir)), diag_(diag), sources_(sources), referenced_(referenced) {
    policy_.files.push_back(std::move(name));
  }

  std::optional<Policy> Read(std::string_view text);

 private:
  using KeyHandler = std::function<void(const YAML::Node& value)>;

  SourceLoc Loc(const YAML::Node& n, uint32_t file = 0) const {
    const YAML::Mark m = n.Mark();
    if (m.is_null()) return {file, 0, 0};
    return {file, static_cast<uint32_t>(m.line + 1), static_cast<uint32_t>(m.column + 1)};
  }
  void Error(const SourceLoc& loc, std::string message) {
    if (diag_->errors.size() >= kMaxErrors) {
      dropped_errors_++;
      return;
    }
    diag_->errors.push_back({policy_.files[loc.file], loc.line, loc.column, std::move(message)});
  }
  // A file a policy names, resolved against its directory; remembered for
  // the caller that collects them (LoadPolicySources).
  std::string Resolve(const std::string& rel) {
    fs::path path = fs::path(rel).is_absolute() ? fs::path(rel) : fs::path(base_dir_) / rel;
    std::string s = path.lexically_normal().string();
    if (referenced_) referenced_->push_back(s);
    return s;
  }
  void Warn(const SourceLoc& loc, std::string message) {
    diag_->warnings.push_back({policy_.files[loc.file], loc.line, loc.column, std::move(message)});
  }

  // Calls the handler of each key of a mapping; unknown and duplicate keys
  // are errors that name the mapping they appeared in.
  void ForEachKey(const YAML::Node& map, const std::string& where,
                  const std::map<std::string, KeyHandler>& handlers);
  bool ExpectMap(const YAML::Node& n, const std::string& what);
  bool ScalarString(const YAML::Node& n, const std::string& what, std::string* out);
  bool ScalarInt(const YAML::Node& n, const std::string& what, int64_t lo, int64_t hi,
                 int64_t* out);
  void ReadPorts(const YAML::Node& n, const std::string& what, std::vector<PortEntry>* out);
  void ReadPrefixes(const YAML::Node& n, const std::string& what, std::vector<PrefixEntry>* out);
  void ReadPrefixFile(const YAML::Node& file_node, const std::string& what,
                      std::vector<PrefixEntry>* out);
  void ReadExemptions(const YAML::Node& n);
  void ReadSignatures(const YAML::Node& n);
  void ReadThresholds(const YAML::Node& n);
  // One of `names`, as *out (the enum value is the index); an error naming them all.
  template <typename Enum, size_t N>
  bool ScalarEnum(const YAML::Node& n, const std::string& what,
                  const std::array<std::string_view, N>& names, Enum* out);
  bool ScalarPositive(const YAML::Node& n, const std::string& what, uint64_t* out);
  void Validate();

  std::string base_dir_;
  Diagnostics* diag_;
  const PolicySources* sources_;        // null: files are read from disk
  std::vector<std::string>* referenced_;
  size_t dropped_errors_ = 0;
  Policy policy_;
  bool saw_version_ = false, saw_smtp_ = false, saw_submission_ = false,
       saw_never_tcp_ = false, saw_never_udp_ = false;
};

void Reader::ForEachKey(const YAML::Node& map, const std::string& where,
                        const std::map<std::string, KeyHandler>& handlers) {
  std::set<std::string> seen;
  for (const auto& kv : map) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    if (!seen.insert(key).second) {
      Error(Loc(kv.first), "duplicate key '" + key + "' in " + where);
      continue;
    }
    auto it = handlers.find(key);
    if (it == handlers.end()) {
      std::string known;
      for (const auto& [k, _] : handlers) known += (known.empty() ? "" : ", ") + k;
      Error(Loc(kv.first), "unknown key '" + key + "' in " + where + " (known: " + known + ")");
      continue;
    }
    it->second(kv.second);
  }
}

bool Reader::ExpectMap(const YAML::Node& n, const std::string& what) {
  if (n.IsMap()) return true;
  Error(Loc(n), what + " must be a mapping");
  return false;
}

bool Reader::ScalarString(const YAML::Node& n, const std::string& what, std::string* out) {
  if (!n.IsScalar()) {
    Error(Loc(n), what + " must be a single value");
    return false;
  }
  *out = n.Scalar();
  return true;
}

bool Reader::ScalarInt(const YAML::Node& n, const std::string& what, int64_t lo, int64_t hi,
                       int64_t* out) {
  std::string s;
  if (!ScalarString(n, what, &s)) return false;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) {
    Error(Loc(n), what + " must be an integer " + std::to_string(lo) + ".." +
                      std::to_string(hi) + ", not '" + s + "'");
    return false;
  }
  *out = v;
  return true;
}

void Reader::ReadPorts(const YAML::Node& n, const std::string& what,
                       std::vector<PortEntry>* out) {
  if (!n.IsSequence()) {
    Error(Loc(n), what + " must be a list of ports, like [25]");
    return;
  }
  for (const auto& item : n) {
    int64_t v;
    if (ScalarInt(item, "port in " + what, 1, 65535, &v))
      out->push_back({static_cast<uint16_t>(v), Loc(item)});
  }
}

void Reader::ReadPrefixes(const YAML::Node& n, const std::string& what,
                          std::vector<PrefixEntry>* out) {
  if (n.IsMap()) {  // {file: pools/consumer.txt}
    ForEachKey(n, what, {{"file", [&](const YAML::Node& v) { ReadPrefixFile(v, what, out); }}});
    return;
  }
  if (!n.IsSequence()) {
    Error(Loc(n), what + " must be a list of prefixes or {file: PATH}");
    return;
  }
  out->reserve(out->size() + n.size());
  std::string error;
  for (const auto& item : n) {
    std::string text;
    if (!ScalarString(item, "entry of " + what, &text)) continue;
    PrefixEntry e;
    if (!ParsePrefix(text, &e.prefix, &error)) {
      Error(Loc(item), "malformed prefix in " + what + ": " + error);
    } else if (!RefuseIpv4InIpv6(e.prefix, &error)) {
      Error(Loc(item), what + ": " + error);
    } else {
      e.loc = Loc(item);
      out->push_back(e);
    }
  }
}

void Reader::ReadPrefixFile(const YAML::Node& file_node, const std::string& what,
                            std::vector<PrefixEntry>* out) {
  std::string rel;
  if (!ScalarString(file_node, "file of " + what, &rel)) return;
  if (base_dir_.empty()) {
    Error(Loc(file_node), what + ": {file: " + rel + "} is not allowed in a policy given as text");
    return;
  }
  const std::string path = Resolve(rel);
  FileText file;
  std::string_view rest;
  if (sources_) {
    auto it = sources_->find(path);
    if (it == sources_->end()) {
      Error(Loc(file_node), what + ": prefix file '" + path + "' was not sent with the policy");
      return;
    }
    rest = it->second;
  } else if (file.Open(path)) {
    rest = file.text();
  } else {
    Error(Loc(file_node), what + ": cannot read prefix file '" + path + "' (a readable regular file)");
    return;
  }
  uint32_t file_index = static_cast<uint32_t>(policy_.files.size());
  policy_.files.push_back(path);
  // The whole file at once, then one pass over its lines: no per-line
  // stream calls, copies or allocations; the common prefix forms parse
  // without libc (ParsePrefixFast), the rest and every error as before.
  out->reserve(out->size() + CountLines(rest));
  HugePageHintCapacity(*out);
  std::string error;
  ForEachListEntry(rest, [&](uint32_t lineno, std::string_view s) {
    PrefixEntry e;
    if (!ParsePrefixFast(s, &e.prefix) && !ParsePrefix(s, &e.prefix, &error)) {
      Error({file_index, lineno, 1}, "malformed prefix in " + what + ": " + error);
    } else if (!RefuseIpv4InIpv6(e.prefix, &error)) {
      Error({file_index, lineno, 1}, what + ": " + error);
    } else {
      e.loc = {file_index, lineno, 1};
      out->push_back(e);
    }
    return true;
  });
}

void Reader::ReadExemptions(const YAML::Node& n) {
  if (!n.IsSequence()) {
    Error(Loc(n), "exemptions must be a list of {prefix, owner, reason, expires}");
    return;
  }
  for (const auto& item : n) {
    if (!ExpectMap(item, "an exemption")) continue;
    Exemption ex;
    ex.loc = Loc(item);
    bool have_prefix = false, have_owner = false, have_reason = false, have_expires = false;
    ForEachKey(item, "exemption",
               {{"prefix",
                 [&](const YAML::Node& v) {
                   std::string text, error;
                   if (!ScalarString(v, "exemption prefix", &text)) return;
                   if (!ParsePrefix(text, &ex.prefix, &error))
                     Error(Loc(v), "malformed prefix in exemption: " + error);
                   else if (!RefuseIpv4InIpv6(ex.prefix, &error))
                     Error(Loc(v), "exemption: " + error);
                   else
                     have_prefix = true;
                 }},
                {"owner", [&](const YAML::Node& v) { have_owner = ScalarString(v, "owner", &ex.owner); }},
                {"reason", [&](const YAML::Node& v) { have_reason = ScalarString(v, "reason", &ex.reason); }},
                {"expires", [&](const YAML::Node& v) {
                   if (!ScalarString(v, "expires", &ex.expires_text)) return;
                   if (ParseDay(ex.expires_text, &ex.expires))
                     have_expires = true;
                   else
                     Error(Loc(v), "expires must be a date YYYY-MM-DD, not '" + ex.expires_text + "'");
                 }}});
    std::string missing;
    if (!have_prefix) missing += " prefix";
    if (!have_owner || ex.owner.empty()) missing += " owner";
    if (!have_reason || ex.reason.empty()) missing += " reason";
    if (!have_expires) missing += " expires";
    if (!missing.empty()) {
      Error(ex.loc, "exemption needs a valid prefix, owner, reason and expires; missing or bad:" + missing);
      continue;
    }
    policy_.exemptions.push_back(std::move(ex));
  }
}

void Reader::ReadSignatures(const YAML::Node& n) {
  if (!n.IsSequence()) {
    Error(Loc(n), "signatures must be a list of files");
    return;
  }
  for (const auto& item : n) {
    std::string rel;
    if (!ScalarString(item, "signature file", &rel)) continue;
    if (!base_dir_.empty()) {
      const std::string path = Resolve(rel);
      // Read now, like a pool: the compiler takes the text, never a path.
      Policy::SignatureFile f{path, {}};
      FileText file;
      if (sources_) {
        auto it = sources_->find(path);
        if (it == sources_->end()) {
          Error(Loc(item), "signature file '" + path + "' was not sent with the policy");
          continue;
        }
        f.text = it->second;
      } else if (file.Open(path)) {
        f.text = file.text();
      } else {
        Error(Loc(item), "cannot read signature file '" + path + "' (a readable regular file)");
        continue;
      }
      policy_.signature_files.push_back(std::move(f));
    }
    policy_.signatures.push_back(rel);
  }
}

template <typename Enum, size_t N>
bool Reader::ScalarEnum(const YAML::Node& n, const std::string& what,
                        const std::array<std::string_view, N>& names, Enum* out) {
  std::string s;
  if (!ScalarString(n, what, &s)) return false;
  for (size_t i = 0; i < N; i++) {
    if (names[i] == s) {
      *out = static_cast<Enum>(i);
      return true;
    }
  }
  std::string allowed;
  for (std::string_view name : names) allowed += (allowed.empty() ? "" : ", ") + std::string(name);
  Error(Loc(n), what + " must be one of " + allowed + ", not '" + s + "'");
  return false;
}

bool Reader::ScalarPositive(const YAML::Node& n, const std::string& what, uint64_t* out) {
  std::string s;
  if (!ScalarString(n, what, &s)) return false;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v == 0) {
    Error(Loc(n), what + " must be an integer >= 1, not '" + s + "'");
    return false;
  }
  *out = v;
  return true;
}

void Reader::ReadThresholds(const YAML::Node& n) {
  if (!n.IsSequence()) {
    Error(Loc(n), "thresholds must be a list of {name, metric, window, limit, action}");
    return;
  }
  std::map<std::string, SourceLoc> first;  // name -> where it was first given
  for (const auto& item : n) {
    if (!ExpectMap(item, "a threshold")) continue;
    Threshold t;
    t.loc = Loc(item);
    SourceLoc name_loc = t.loc;
    // given: the key is there; bad: its value was refused (already reported).
    bool name = false, metric = false, window = false, limit = false, action = false, bad = false;
    auto given = [&](bool* key, bool ok) {
      *key = true;
      bad = bad || !ok;
    };
    ForEachKey(item, "threshold",
               {{"name",
                 [&](const YAML::Node& v) {
                   name_loc = Loc(v);
                   bool ok = ScalarString(v, "threshold name", &t.name);
                   if (ok && !IsThresholdName(t.name)) {
                     Error(Loc(v), "threshold name must be 1 to 64 characters of A-Z a-z 0-9 _ . -, not '" +
                                       t.name + "'");
                     ok = false;
                   }
                   given(&name, ok);
                 }},
                {"metric", [&](const YAML::Node& v) {
                   given(&metric, ScalarEnum(v, "threshold metric", kThresholdMetricNames, &t.metric));
                 }},
                {"window", [&](const YAML::Node& v) {
                   given(&window, ScalarEnum(v, "threshold window", kThresholdWindowNames, &t.window));
                 }},
                {"limit", [&](const YAML::Node& v) { given(&limit, ScalarPositive(v, "threshold limit", &t.limit)); }},
                {"action", [&](const YAML::Node& v) {
                   given(&action, ScalarEnum(v, "threshold action", kThresholdActionNames, &t.action));
                 }}});
    // A good name is checked for duplicates even in an entry refused for
    // another reason: every mistake in one run.
    const bool named = name && IsThresholdName(t.name);
    if (named) {
      if (auto [it, inserted] = first.emplace(t.name, name_loc); !inserted) {
        Error(name_loc, "duplicate threshold name '" + t.name + "' (first at " +
                            policy_.files[it->second.file] + ":" + std::to_string(it->second.line) + ")");
        bad = true;
      }
    }
    std::string missing;
    const std::pair<const char*, bool> keys[] = {
        {"name", name}, {"metric", metric}, {"window", window}, {"limit", limit}, {"action", action}};
    for (auto [key, have] : keys)
      if (!have) missing += std::string(" ") + key;
    if (!missing.empty())
      Error(t.loc, "threshold" + (named ? " '" + t.name + "'" : std::string()) +
                       " needs name, metric, window, limit and action; missing:" + missing);
    if (bad || !missing.empty()) continue;
    policy_.thresholds.push_back(std::move(t));
  }
}

void Reader::Validate() {
  auto defaults = [](bool given, std::vector<PortEntry>* ports, const std::vector<uint16_t>& d) {
    if (!given)
      for (uint16_t p : d) ports->push_back({p, {}});
  };
  defaults(saw_smtp_, &policy_.smtp_ports, kDefaultSmtpPorts);
  defaults(saw_submission_, &policy_.submission_ports, kDefaultSubmissionPorts);
  defaults(saw_never_tcp_, &policy_.never_block_tcp, kDefaultNeverBlockTcp);
  defaults(saw_never_udp_, &policy_.never_block_udp, kDefaultNeverBlockUdp);

  // The port-25 rules drop smtp_ports; they must never reach a never_block port
  // or a submission port. (Quarantine stops submission by design.)
  std::map<uint16_t, SourceLoc> never, submission;
  for (const auto& p : policy_.never_block_tcp) never.emplace(p.port, p.loc);
  for (const auto& p : policy_.submission_ports) submission.emplace(p.port, p.loc);
  auto where = [&](const SourceLoc& l) {
    return l.line ? " (" + policy_.files[l.file] + ":" + std::to_string(l.line) + ")"
                  : std::string(" (default)");
  };
  for (const auto& p : policy_.smtp_ports) {
    if (auto it = never.find(p.port); it != never.end())
      Error(p.loc, "smtp port " + std::to_string(p.port) + " is in never_block.tcp" +
                       where(it->second) + ": the port-25 rules would block it");
    if (auto it = submission.find(p.port); it != submission.end())
      Error(p.loc, "port " + std::to_string(p.port) + " is both an smtp port and a submission port" +
                       where(it->second));
  }
}

std::optional<Policy> Reader::Read(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    Error({0, static_cast<uint32_t>(e.mark.line + 1), static_cast<uint32_t>(e.mark.column + 1)},
          "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
  if (!root.IsMap()) {
    Error({0, 1, 1}, "a policy must be a YAML mapping starting with 'version: 1'");
    return std::nullopt;
  }
  Policy& p = policy_;
  ForEachKey(
      root, "the policy",
      {{"version",
        [&](const YAML::Node& v) {
          saw_version_ = true;
          int64_t version;
          if (ScalarInt(v, "version", 0, 1 << 20, &version)) {
            if (version != 1)
              Error(Loc(v), "unsupported policy version " + std::to_string(version) +
                                " (this build reads version 1)");
            p.version = static_cast<int>(version);
          }
        }},
       {"mode",
        [&](const YAML::Node& v) {
          std::string mode;
          if (!ScalarString(v, "mode", &mode)) return;
          if (mode == "enforce")
            p.mode = PolicyMode::kEnforce;
          else if (mode == "monitor")
            p.mode = PolicyMode::kMonitor;
          else
            Error(Loc(v), "mode must be 'enforce' or 'monitor', not '" + mode + "'");
        }},
       {"subscribers",
        [&](const YAML::Node& v) {
          if (!ExpectMap(v, "subscribers")) return;
          ForEachKey(v, "subscribers",
                     {{"consumer", [&](const YAML::Node& l) { ReadPrefixes(l, "subscribers.consumer", &p.consumer); }},
                      {"business", [&](const YAML::Node& l) { ReadPrefixes(l, "subscribers.business", &p.business); }}});
        }},
       {"internal", [&](const YAML::Node& v) { ReadPrefixes(v, "internal", &p.internal); }},
       {"mail",
        [&](const YAML::Node& v) {
          if (!ExpectMap(v, "mail")) return;
          ForEachKey(
              v, "mail",
              {{"smtp_ports", [&](const YAML::Node& l) { saw_smtp_ = true; ReadPorts(l, "mail.smtp_ports", &p.smtp_ports); }},
               {"submission_ports", [&](const YAML::Node& l) { saw_submission_ = true; ReadPorts(l, "mail.submission_ports", &p.submission_ports); }},
               {"mx_servers", [&](const YAML::Node& l) { ReadPrefixes(l, "mail.mx_servers", &p.mx_servers); }},
               {"authorized_relays", [&](const YAML::Node& l) { ReadPrefixes(l, "mail.authorized_relays", &p.authorized_relays); }}});
        }},
       {"never_block",
        [&](const YAML::Node& v) {
          if (!ExpectMap(v, "never_block")) return;
          ForEachKey(v, "never_block",
                     {{"tcp", [&](const YAML::Node& l) { saw_never_tcp_ = true; ReadPorts(l, "never_block.tcp", &p.never_block_tcp); }},
                      {"udp", [&](const YAML::Node& l) { saw_never_udp_ = true; ReadPorts(l, "never_block.udp", &p.never_block_udp); }}});
        }},
       {"exemptions", [&](const YAML::Node& v) { ReadExemptions(v); }},
       {"quarantine", [&](const YAML::Node& v) { ReadPrefixes(v, "quarantine", &p.quarantine); }},
       {"sampling",
        [&](const YAML::Node& v) {
          if (!ExpectMap(v, "sampling")) return;
          ForEachKey(v, "sampling",
                     {{"watch", [&](const YAML::Node& r) {
                        ReadPrefixes(r, "sampling.watch", &p.sampling_watch);
                      }},
                      {"smtp_flow_rate", [&](const YAML::Node& r) {
                        int64_t rate;
                        if (ScalarInt(r, "sampling.smtp_flow_rate", 0, 1 << 20, &rate))
                          p.smtp_flow_rate = static_cast<uint32_t>(rate);
                      }}});
        }},
       {"signatures", [&](const YAML::Node& v) { ReadSignatures(v); }},
       {"thresholds", [&](const YAML::Node& v) { ReadThresholds(v); }}});
  if (!saw_version_) Error({0, 1, 1}, "missing required key 'version' (this build reads version 1)");
  Validate();
  if (dropped_errors_ > 0)
    diag_->errors.push_back({policy_.files[0], 0, 0, "and " + std::to_string(dropped_errors_) + " more errors"});
  if (!diag_->ok()) return std::nullopt;
  return std::move(policy_);
}

}  // namespace

std::optional<Policy> LoadPolicyText(std::string_view text, const std::string& name,
                                     const std::string& base_dir, Diagnostics* diag) {
  return Reader(name, base_dir, diag).Read(text);
}

std::optional<Policy> LoadPolicySources(const std::string& path, const PolicySources& sources,
                                        Diagnostics* diag, std::vector<std::string>* referenced) {
  auto it = sources.find(path);
  if (it == sources.end()) {
    diag->errors.push_back({path, 0, 0, "the policy file was not sent"});
    return std::nullopt;
  }
  fs::path dir = fs::path(path).parent_path();
  return Reader(path, dir.empty() ? "." : dir.string(), diag, &sources, referenced).Read(it->second);
}

std::optional<Policy> LoadPolicyFile(const std::string& path, Diagnostics* diag) {
  FileText text;  // regular files only: a FIFO or a device is refused, not waited on
  if (!text.Open(path)) {
    diag->errors.push_back({path, 0, 0, "cannot read policy file (a readable regular file)"});
    return std::nullopt;
  }
  fs::path dir = fs::path(path).parent_path();
  return LoadPolicyText(text.text(), path, dir.empty() ? "." : dir.string(), diag);
}

std::unique_ptr<CompiledPolicy> LoadAndCompile(const std::string& path,
                                               const CompileOptions& opts, Diagnostics* diag) {
  std::optional<Policy> policy = LoadPolicyFile(path, diag);
  if (!policy) return nullptr;
  return CompilePolicy(*policy, opts, diag);
}

}  // namespace spamwall
