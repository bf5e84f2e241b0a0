// SpamAssassin rule files into signatures (docs/signatures.md, "Importing
// SpamAssassin rules"): the body, rawbody and full rules of the *.cf files,
// read as SpamAssassin reads them (ifplugin/if/else/endif, loadplugin,
// later definitions replacing earlier ones, score lines, tflags,
// ReplaceTags), converted to PCRE2 and planned by the compiler. What cannot
// be taken is listed with why.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dataplane/signatures/signature.h"
#include "control/signatures/replace_tags.h"
#include "control/signatures/sa_condition.h"

namespace spamwall::signatures {

struct SaImportOptions {
  // SpamAssassin's four score sets (0: no Bayes, no network tests; 1:
  // network; 2: Bayes; 3: Bayes and network); a score line with one value
  // sets all four.
  int score_set = 3;
};

struct SaRefusal {
  std::string name;
  std::string origin;  // file:line
  std::string why;
};

struct SaImport {
  std::vector<Signature> signatures;
  std::vector<SaRefusal> refused;       // patterns neither engine takes, or not patterns
  std::vector<SaRefusal> disabled;      // score 0: SpamAssassin does not run them
  std::map<std::string, int> other_types;  // header, uri, meta, ...: not in scope
  std::map<std::string, int> tflags;    // tflags of the body/rawbody/full rules, counted
  std::vector<std::string> warnings;    // lines the reader could not follow
  int files = 0;
};

// Reads one file's text after the others (call in SpamAssassin's order:
// sorted file names). Accumulates into the reader's state.
class SaReader {
 public:
  explicit SaReader(SaEnvironment env) : env_(std::move(env)) {}
  void AddPlugin(const std::string& name) { plugins_[name] = true; }
  void ReadText(std::string_view text, const std::string& name);
  // Every rule read so far into signatures, refusals and counts.
  SaImport Finish(const SaImportOptions& options) const;
  bool plugin_loaded(const std::string& name) const { return plugins_.count(name) != 0; }

 private:
  struct Rule {
    std::string type;   // body, rawbody, full
    std::string text;   // the pattern field as written
    std::string origin;
    size_t order = 0;
  };
  void Directive(const std::string& key, std::string_view rest, const std::string& origin);

  SaEnvironment env_;
  std::map<std::string, bool> plugins_;
  std::map<std::string, Rule> rules_;
  std::map<std::string, std::vector<double>> scores_;
  std::map<std::string, std::string> tflags_;
  std::map<std::string, int> other_types_;
  std::map<std::string, bool> replace_rules_;
  SaTags tags_;
  std::vector<std::string> warnings_;
  size_t order_ = 0;
  int files_ = 0;
};

}  // namespace spamwall::signatures
