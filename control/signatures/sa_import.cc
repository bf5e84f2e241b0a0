#include "control/signatures/sa_import.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include "dataplane/signatures/compiler.h"
#include "dataplane/signatures/signature_file.h"
#include "control/signatures/perl_regex.h"

namespace spamwall::signatures {
namespace {

const std::set<std::string>& OtherRuleTypes() {
  static const std::set<std::string> types = {
      "header", "uri", "meta", "mimeheader", "uri_detail", "askdns", "urirhsbl", "urirhssub",
      "urinsrhsbl", "urinsrhssub", "urifullnsrhsbl", "urifullnsrhssub", "hashbl_email",
      "hashbl_uris", "check_hashbl_emails", "dns_block_rule"};
  return types;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view Word(std::string_view& rest) {
  rest = Trim(rest);
  size_t i = 0;
  while (i < rest.size() && !std::isspace(static_cast<unsigned char>(rest[i]))) ++i;
  std::string_view w = rest.substr(0, i);
  rest = Trim(rest.substr(i));
  return w;
}

// SpamAssassin's comment rule: an unescaped '#' to the end of the line.
std::string_view StripComment(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '#' && (i == 0 || line[i - 1] != '\\')) return line.substr(0, i);
  }
  return line;
}

bool ValidSaName(const std::string& n) {
  if (n.empty() || n.size() > 128) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

std::string FlagPrefix(const PatternFlags& f) {
  std::string mods;
  if (f.multiline) mods += 'm';
  if (f.dotall) mods += 's';
  if (f.caseless) mods += 'i';
  return mods.empty() ? "" : "(?" + mods + ")";
}

}  // namespace

void SaReader::ReadText(std::string_view text, const std::string& name) {
  ++files_;
  // The condition stack: each level's value; a line is read when all hold.
  std::vector<bool> stack;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    std::string_view rest = Trim(StripComment(line));
    if (rest.empty()) continue;
    std::string origin = name + ":" + std::to_string(line_no);
    std::string key(Word(rest));
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    bool active = std::all_of(stack.begin(), stack.end(), [](bool b) { return b; });
    if (key == "ifplugin") {
      stack.push_back(plugins_.count(std::string(Word(rest))) != 0);
    } else if (key == "if") {
      bool value = false;
      std::string error;
      SaEnvironment env = env_;
      env.plugin = [this](const std::string& n) { return plugins_.count(n) != 0; };
      if (!EvaluateSaCondition(rest, env, value, error)) {
        warnings_.push_back(origin + ": if " + std::string(rest) + ": " + error + " (taken as false)");
        value = false;
      }
      stack.push_back(value);
    } else if (key == "else") {
      if (stack.empty()) {
        warnings_.push_back(origin + ": else without if");
      } else {
        stack.back() = !stack.back();
      }
    } else if (key == "endif") {
      if (stack.empty()) {
        warnings_.push_back(origin + ": endif without if");
      } else {
        stack.pop_back();
      }
    } else if (active) {
      Directive(key, rest, origin);
    }
  }
  if (!stack.empty()) warnings_.push_back(name + ": " + std::to_string(stack.size()) + " if without endif");
}

void SaReader::Directive(const std::string& key, std::string_view rest, const std::string& origin) {
  if (key == "body" || key == "rawbody" || key == "full") {
    std::string name(Word(rest));
    Rule& r = rules_[name];
    r.type = key;
    r.text = std::string(rest);
    r.origin = origin;
    r.order = ++order_;
  } else if (OtherRuleTypes().count(key) != 0) {
    std::string name(Word(rest));
    ++other_types_[key];
  } else if (key == "score") {
    std::string name(Word(rest));
    std::vector<double> values;
    while (!rest.empty()) {
      std::string v(Word(rest));
      v.erase(std::remove(v.begin(), v.end(), '('), v.end());
      v.erase(std::remove(v.begin(), v.end(), ')'), v.end());
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0') {
        warnings_.push_back(origin + ": score " + name + ": cannot read '" + v + "'");
        return;
      }
      values.push_back(d);
    }
    if (values.size() == 1) values.assign(4, values[0]);
    if (values.size() != 4) {
      warnings_.push_back(origin + ": score " + name + " takes 1 or 4 values");
      return;
    }
    scores_[name] = values;
  } else if (key == "tflags") {
    std::string name(Word(rest));
    tflags_[name] = std::string(rest);
  } else if (key == "replace_tag" || key == "replace_pre" || key == "replace_post" ||
             key == "replace_inter") {
    std::string name(Word(rest));
    auto& map = key == "replace_tag" ? tags_.tag : key == "replace_pre" ? tags_.pre
                : key == "replace_post" ? tags_.post : tags_.inter;
    map[name] = std::string(rest);
  } else if (key == "replace_rules") {
    while (!rest.empty()) replace_rules_[std::string(Word(rest))] = true;
  } else if (key == "loadplugin") {
    plugins_[std::string(Word(rest))] = true;
  }
}

SaImport SaReader::Finish(const SaImportOptions& options) const {
  SaImport out;
  out.files = files_;
  out.other_types = other_types_;
  out.warnings = warnings_;
  for (const auto& [name, flags] : tflags_) {
    if (rules_.count(name) == 0) continue;
    std::string_view rest = flags;
    while (!rest.empty()) ++out.tflags[std::string(Word(rest))];
  }
  std::vector<const std::pair<const std::string, Rule>*> order;
  for (const auto& entry : rules_) order.push_back(&entry);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->second.order < b->second.order; });
  for (const auto* entry : order) {
    const std::string& name = entry->first;
    const Rule& rule = entry->second;
    auto refuse = [&](const std::string& why) { out.refused.push_back({name, rule.origin, why}); };
    if (rule.text.starts_with("eval:")) {
      refuse("eval rule: " + rule.text.substr(5, rule.text.find('(') - 5) +
             " is Perl code in a plugin, not a pattern");
      continue;
    }
    if (!ValidSaName(name)) {
      refuse("its name is not a signature id");
      continue;
    }
    double score = name.starts_with("__") ? 0 : name.starts_with("T_") ? 0.01 : 1.0;
    auto s = scores_.find(name);
    if (s != scores_.end()) {
      score = s->second[options.score_set];
      if (score == 0 && !name.starts_with("__")) {
        out.disabled.push_back({name, rule.origin, "score 0 in set " + std::to_string(options.score_set)});
        continue;
      }
    }
    score = std::clamp(score, -1000.0, 1000.0);
    PerlRegex re;
    std::string error;
    if (!SplitPerlRegex(rule.text, re, error)) {
      refuse(error);
      continue;
    }
    if (replace_rules_.count(name) != 0) {
      std::string prefix = FlagPrefix(re.flags);
      std::string replaced = ReplaceSaTags(prefix + re.pattern, tags_);
      if (replaced.starts_with(prefix)) replaced.erase(0, prefix.size());
      re.pattern = replaced;
    }
    std::string pcre = PerlToPcre2(re.pattern, error);
    if (pcre.empty()) {
      refuse(error);
      continue;
    }
    Signature sig;
    sig.id = name;
    sig.cls = SigClass::kSpam;
    sig.score = score;
    sig.scope = rule.type == "full" ? Scope::kRaw : Scope::kBody;
    sig.kind = PatternKind::kRegex;
    sig.pattern = pcre;
    sig.flags = re.flags;
    sig.origin = rule.origin;
    if (sig.pattern.find('\n') != std::string::npos) {
      refuse("a newline in the pattern");
      continue;
    }
    std::string pcre_error = CheckRegex(sig.pattern, sig.flags);
    if (!pcre_error.empty()) {
      refuse("PCRE2 refuses it: " + pcre_error);
      continue;
    }
    PlanResult plan = PlanSignature(sig);
    if (!plan.ok) {
      refuse(plan.why);
      continue;
    }
    out.signatures.push_back(std::move(sig));
  }
  return out;
}

}  // namespace spamwall::signatures
