#include "dataplane/signatures/scanner.h"

#include <gtest/gtest.h>

#include "dataplane/signatures/compiler.h"
#include "dataplane/signatures/signature_file.h"

namespace spamwall::signatures {
namespace {

std::unique_ptr<Database> Build(std::string_view text, const CompileOptions& options = {}) {
  ParseResult p = ParseSignatureText(text, "t.sigs");
  EXPECT_TRUE(p.ok()) << (p.errors.empty() ? "" : p.errors[0]);
  CompileResult c = Compile(std::move(p.signatures), options);
  EXPECT_TRUE(c.ok()) << (c.errors.empty() ? "" : c.errors[0]);
  return std::move(c.db);
}

std::vector<std::string> HitIds(const ScanResult& r) {
  std::vector<std::string> ids;
  for (const Hit& h : r.hits) ids.emplace_back(h.id);
  return ids;
}

// Scans `message` cut into chunks of `chunk` bytes.
std::vector<std::string> Scan(const Database& db, std::string_view message, size_t chunk) {
  Scratch scratch(db);
  MessageStream stream(db);
  for (size_t i = 0; i < message.size(); i += chunk) stream.Feed(message.substr(i, chunk), scratch);
  ScanResult r;
  stream.Finish(scratch, r);
  return HitIds(r);
}

using Ids = std::vector<std::string>;

TEST(Scanner, LiteralsAndRegexesAcrossChunks) {
  auto db = Build(
      "LIT spam 1 raw \"free money\"\n"
      "CASE spam 2 raw \"WINNER\"i\n"
      "RE malware 3 raw /invoice_\\d+\\.exe/\n");
  ASSERT_TRUE(db);
  std::string msg = "Subject: hi\r\n\r\nget FREE money? no: free money, winner! invoice_42.exe\r\n";
  for (size_t chunk : {msg.size(), size_t{1}, size_t{3}, size_t{7}}) {
    EXPECT_EQ(Scan(*db, msg, chunk), (Ids{"LIT", "CASE", "RE"})) << "chunk " << chunk;
  }
  EXPECT_EQ(Scan(*db, "nothing here", 4), Ids{});
}

TEST(Scanner, HitsCarryClassAndScore) {
  auto db = Build("A spam 1.5 raw \"aaa\"\nB malware 7 raw \"bbb\"\n");
  ASSERT_TRUE(db);
  Scratch scratch(*db);
  MessageStream stream(*db);
  ScanResult r;
  ScanMessage(*db, scratch, stream, "bbb aaa", r);
  ASSERT_EQ(r.hits.size(), 2u);
  EXPECT_EQ(r.hits[0].id, "A");
  EXPECT_EQ(r.hits[0].cls, SigClass::kSpam);
  EXPECT_EQ(r.hits[0].score, 1.5);
  EXPECT_EQ(r.hits[1].id, "B");
  EXPECT_EQ(r.hits[1].cls, SigClass::kMalware);
  EXPECT_EQ(r.bytes, 7u);
  // The stream is reused: the next message starts clean.
  ScanMessage(*db, scratch, stream, "aa", r);
  EXPECT_TRUE(r.hits.empty());
}

TEST(Scanner, BodyScopeStartsAfterTheHeaderBlock) {
  auto db = Build(
      "BODY spam 1 body /^Dear friend/\n"
      "INHDR spam 1 body \"X-Bad\"\n"
      "RAW spam 1 raw \"X-Bad\"\n");
  ASSERT_TRUE(db);
  std::string crlf = "X-Bad: 1\r\nSubject: x\r\n\r\nDear friend, hello\r\n";
  std::string lf = "X-Bad: 1\nSubject: x\n\nDear friend, hello\n";
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{5}, size_t{100}}) {
    EXPECT_EQ(Scan(*db, crlf, chunk), (Ids{"BODY", "RAW"})) << chunk;
    EXPECT_EQ(Scan(*db, lf, chunk), (Ids{"BODY", "RAW"})) << chunk;
  }
  // No empty line: all header, no body.
  EXPECT_EQ(Scan(*db, "X-Bad: 1\r\nDear friend\r\n", 3), Ids{"RAW"});
  // The body's own lines do not end the header block twice.
  EXPECT_EQ(Scan(*db, "A: b\n\nhi\n\nX-Bad", 2), (Ids{"INHDR", "RAW"}));
}

TEST(Scanner, MessageBodyAgreesWithTheStream) {
  EXPECT_EQ(MessageBody("a\r\n\r\nbody"), "body");
  EXPECT_EQ(MessageBody("a\n\nbody\n\nmore"), "body\n\nmore");
  EXPECT_EQ(MessageBody("a\n\r\nbody"), "body");
  EXPECT_EQ(MessageBody("a\r\nb\r\n"), "");
  EXPECT_EQ(MessageBody("a\n\n"), "");
}

TEST(Scanner, PrefilteredPatternIsConfirmedByPcre2) {
  // A back-reference: Hyperscan takes it only as a prefilter.
  auto db = Build("REP spam 1 raw /(ab+)c\\1/\n");
  ASSERT_TRUE(db);
  EXPECT_EQ(db->plan(0), Plan::kPrefilter);
  EXPECT_EQ(Scan(*db, "xx abbbcabbb yy", 2), Ids{"REP"});
  EXPECT_EQ(Scan(*db, "xx abbbcab yy", 2), Ids{});  // the prefilter fires, PCRE2 says no
}

TEST(Scanner, ExactPatternNeedsNoConfirmation) {
  auto db = Build("A spam 1 raw /foo[0-9]{2,4}bar/i\n");
  ASSERT_TRUE(db);
  EXPECT_EQ(db->plan(0), Plan::kExact);
  EXPECT_FALSE(db->needs_confirmation());
  EXPECT_EQ(Scan(*db, "FOO123BAR", 4), Ids{"A"});
  EXPECT_EQ(Scan(*db, "FOO12345BAR", 4), Ids{});
}

TEST(Scanner, EndAnchoredPatternMatchesAtEndOfData) {
  auto db = Build("END spam 1 raw /bye$/\n");
  ASSERT_TRUE(db);
  EXPECT_EQ(Scan(*db, "ok bye", 2), Ids{"END"});
  EXPECT_EQ(Scan(*db, "ok bye\n", 2), Ids{"END"});  // $ before a final newline, as in PCRE
  EXPECT_EQ(Scan(*db, "ok bye now", 2), Ids{});
}

TEST(Scanner, GatedConfirmationSearchesOnlyAroundItsLiterals) {
  CompileOptions gated;
  gated.gate_source_bytes = 0;  // gate every regex that has a gate
  CompileOptions whole = gated;
  whole.confirmation_windows = false;
  const char* sigs =
      "FM spam 1 raw /\\bfree\\s{1,2}\\w{0,5}money\\b/i\n"
      "LB spam 1 raw /(?<=x)free\\s+money/\n"
      "ML spam 1 body /^free\\s+money/m\n"
      // Only one start: six bytes before "ing", the window's literal.
      "LD spam 1 raw /\\b\\w{6}ing\\s+offer/\n"
      // "dres" starts one run of d's after the match: the window grows with
      // the message's longest run.
      "RW spam 1 raw /\\bad+res+\\s{1,3}line\\b/i\n";
  auto windowed = Build(sigs, gated);
  auto searched = Build(sigs, whole);
  ASSERT_TRUE(windowed && searched);
  for (uint32_t i = 0; i < 5; ++i) {
    EXPECT_EQ(windowed->plan(i), Plan::kGate);
    // ML starts at a line start: PCRE2's own search tries only those.
    EXPECT_EQ(windowed->windowed(i), i != 2) << i;
    EXPECT_FALSE(searched->windowed(i)) << i;
  }
  struct Case {
    std::string message;
    Ids want;
  };
  std::string far(3000, '.');
  std::vector<Case> cases = {
      {"h\n\nfree  xyzmoney", {"FM"}},
      {"h\n\nFREE Money, xfree money", {"FM", "LB"}},
      // Both literals present, too far apart; then a match after many
      // places of the literal.
      {"h\n\nfree" + far + "money free free free\nfree cashmoney", {"FM"}},
      {"h\n\nfree" + far + "money", {}},
      // The lookbehind sees the byte before the window; ^ needs a line start.
      {"h\n\nyfree money", {}},
      {"h\n\nx free money", {"FM"}},
      {"h\n\nfreemoney\nfree\tmoney", {"FM", "ML"}},
      {"h\n\nfreemoney\nfree\t\t\tmoney", {"ML"}},
      {"h\n\nxxamazing offer", {"LD"}},
      {"h\n\nxamazing offer; a amazing offer", {}},
      {"h\n\nAdres line, a" + std::string(40, 'd') + "ress  LINE", {"RW"}},
      {"h\n\nx a" + std::string(40, 'D') + "resss line", {"RW"}},
      {"h\n\nbad" + std::string(40, 'd') + "ress line", {}},
  };
  // More places than the windows kept: the whole scope is searched, and the
  // match after the last kept window is still found.
  std::string many = "h\n\n";
  for (int i = 0; i < 5000; ++i) many += "free..........";
  cases.push_back({many + "free money", {"FM"}});
  cases.push_back({many, {}});
  for (const Case& c : cases) {
    for (size_t chunk : {c.message.size(), size_t{1}, size_t{5}}) {
      EXPECT_EQ(Scan(*windowed, c.message, chunk), c.want) << c.message.substr(0, 40) << " / " << chunk;
      EXPECT_EQ(Scan(*searched, c.message, chunk), c.want) << c.message.substr(0, 40) << " / " << chunk;
    }
  }
}

TEST(Scanner, BacktrackingIsBoundedAndCounted) {
  CompileOptions options;
  options.limits.match_limit = 1000;
  auto db = Build("SLOW spam 1 raw /(a+)+(?<!a)b/\n", options);
  ASSERT_TRUE(db);
  ASSERT_EQ(db->plan(0), Plan::kPrefilter);
  Scratch scratch(*db);
  MessageStream stream(*db);
  ScanResult r;
  ScanMessage(*db, scratch, stream, std::string(30, 'a') + "b", r);
  // Whether it matches is not known: no hit, and the limit is reported.
  EXPECT_TRUE(r.hits.empty());
  ASSERT_EQ(r.limit_hits.size(), 1u);
  EXPECT_EQ(r.limit_hits[0], 0u);
}

TEST(Scanner, RefusedPatternNamesItsId) {
  ParseResult p = ParseSignatureText("OK spam 1 raw \"x\"\nEMPTY spam 1 raw /a*/\n", "t.sigs");
  ASSERT_TRUE(p.ok());
  CompileResult c = Compile(std::move(p.signatures));
  EXPECT_FALSE(c.ok());
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].rfind("EMPTY (t.sigs:2): Hyperscan: ", 0), 0u) << c.errors[0];
}

TEST(Scanner, ScratchGrowsForANewDatabase) {
  auto small = Build("A spam 1 raw \"a\"\n");
  auto big = Build("B spam 1 raw /b[0-9]+c{3,30}d/\nC spam 1 body /(x)y\\1/\n");
  ASSERT_TRUE(small && big);
  Scratch scratch(*small);
  scratch.Grow(*big);
  MessageStream stream(*big);
  ScanResult r;
  ScanMessage(*big, scratch, stream, "h\n\nb12cccd xyx", r);
  EXPECT_EQ(HitIds(r), (Ids{"B", "C"}));
}

}  // namespace
}  // namespace spamwall::signatures
