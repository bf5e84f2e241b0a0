// The engine's (message, signature) hits equal PCRE2's alone, signature by
// signature over the same bytes: on the messages beside this file, cut in
// chunks of several sizes (a match across chunks must be found), and on a
// subset of the SpamAssassin public corpus with the starter set and the
// imported SpamAssassin set.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "dataplane/signatures/compiler.h"
#include "dataplane/signatures/reference.h"
#include "dataplane/signatures/scanner.h"
#include "dataplane/signatures/signature_file.h"
#include "control/signatures/message_files.h"

namespace sw = spamwall::signatures;
namespace fs = std::filesystem;

namespace {

std::string SourceDir() {
  const char* s = std::getenv("SPAMWALL_SOURCE_DIR");
  return s != nullptr ? s : ".";
}

std::string BuildDir() {
  const char* s = std::getenv("SPAMWALL_BUILD_DIR");
  return s != nullptr ? s : SPAMWALL_BUILD_DIR_DEFAULT;
}

// Where scripts/fetch-sig-corpus puts the corpus (or $SPAMWALL_SIG_CORPUS).
std::string CorpusDir() {
  const char* s = std::getenv("SPAMWALL_SIG_CORPUS");
  return s != nullptr ? s : BuildDir() + "/corpus/spam-assassin/package/data";
}

std::vector<sw::Signature> Load(const std::string& path) {
  sw::ParseResult p = sw::ParseSignatureFiles({path});
  EXPECT_TRUE(p.ok()) << (p.errors.empty() ? "" : p.errors[0]);
  return p.signatures;
}

std::vector<sw::MessageFile> Messages(const std::string& dir, const std::string& suffix) {
  std::vector<sw::MessageFile> msgs;
  std::string error;
  EXPECT_TRUE(sw::LoadMessages({dir}, suffix, msgs, error)) << error;
  return msgs;
}

// Every `step`-th message of the corpus.
std::vector<sw::MessageFile> CorpusSubset(size_t step) {
  std::vector<sw::MessageFile> all = Messages(CorpusDir(), ".txt"), subset;
  for (size_t i = 0; i < all.size(); i += step) subset.push_back(std::move(all[i]));
  return subset;
}

std::string Name(const std::vector<sw::Signature>& sigs, const std::vector<uint32_t>& ids) {
  std::string s;
  for (uint32_t i : ids) s += sigs[i].id + " ";
  return s.empty() ? "(none)" : s;
}

// Compares engine and reference on every message at each chunk size;
// returns the number of (message, signature) hits seen.
size_t Differential(std::vector<sw::Signature> sigs, const std::vector<sw::MessageFile>& msgs,
                    const std::vector<size_t>& chunks) {
  std::string error;
  auto ref = sw::ReferenceMatcher::Create(sigs, sw::MatchLimits{}, error);
  EXPECT_TRUE(ref) << error;
  sw::CompileResult c = sw::Compile(sigs);
  EXPECT_TRUE(c.ok()) << (c.errors.empty() ? "" : c.errors[0]);
  if (!ref || !c.ok()) return 0;
  sw::Scratch scratch(*c.db);
  sw::MessageStream stream(*c.db);
  sw::ScanResult r;
  std::vector<uint32_t> want, want_limits, got;
  size_t hits = 0;
  for (const auto& m : msgs) {
    ref->Match(m.bytes, want, want_limits);
    EXPECT_TRUE(want_limits.empty()) << m.path << ": PCRE2 limit in " << Name(sigs, want_limits);
    hits += want.size();
    for (size_t chunk : chunks) {
      size_t n = chunk == 0 ? m.bytes.size() + 1 : chunk;
      for (size_t i = 0; i < m.bytes.size(); i += n) {
        stream.Feed(std::string_view(m.bytes).substr(i, n), scratch);
      }
      stream.Finish(scratch, r);
      got.clear();
      for (const auto& h : r.hits) got.push_back(h.index);
      EXPECT_EQ(Name(sigs, got), Name(sigs, want)) << m.path << " in chunks of " << chunk;
      EXPECT_TRUE(r.limit_hits.empty()) << m.path;
    }
  }
  return hits;
}

TEST(SignaturesDifferential, StarterSetOnHandWrittenMessages) {
  auto sigs = Load(SourceDir() + "/signatures/starter.sigs");
  auto msgs = Messages(SourceDir() + "/tests/signatures/messages", ".eml");
  ASSERT_GE(msgs.size(), 5u);
  size_t hits = Differential(sigs, msgs, {0, 1, 2, 7, 64, 1460});
  EXPECT_GT(hits, 10u);  // the messages are written to hit
}

TEST(SignaturesDifferential, StarterSetOnCorpusSubset) {
  if (!fs::is_directory(CorpusDir())) {
    GTEST_SKIP() << "no corpus at " << CorpusDir() << " (scripts/fetch-sig-corpus fetches it)";
  }
  auto msgs = CorpusSubset(4);
  ASSERT_GT(msgs.size(), 1000u);
  Differential(Load(SourceDir() + "/signatures/starter.sigs"), msgs, {0, 1460});
}

TEST(SignaturesDifferential, SpamAssassinSetOnCorpusSubset) {
  std::string sa = BuildDir() + "/signatures/spamassassin.sigs";
  if (!fs::exists(sa)) GTEST_SKIP() << "no " << sa << " (install spamassassin and rebuild)";
  if (!fs::is_directory(CorpusDir())) {
    GTEST_SKIP() << "no corpus at " << CorpusDir() << " (scripts/fetch-sig-corpus fetches it)";
  }
  // The rules whose source is at most 1,200 bytes: the few dozen longer ones
  // (expanded fuzzy-word rules) take minutes of Hyperscan compile time on
  // two cores; they are checked over the whole corpus by the benchmark
  // (spamwall-sigscan --bench --compare, bench/README.md).
  std::vector<sw::Signature> sigs;
  size_t all = 0;
  for (auto& s : Load(sa)) {
    ++all;
    if (s.pattern.size() <= 1200) sigs.push_back(std::move(s));
  }
  ASSERT_GT(sigs.size(), all * 8 / 10);
  auto msgs = CorpusSubset(12);
  ASSERT_GT(msgs.size(), 400u);
  size_t hits = Differential(std::move(sigs), msgs, {1460});
  EXPECT_GT(hits, 1000u);
}

}  // namespace
