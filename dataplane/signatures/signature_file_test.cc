#include "dataplane/signatures/signature_file.h"

#include <gtest/gtest.h>

namespace spamwall::signatures {
namespace {

ParseResult Parse(std::string_view text) { return ParseSignatureText(text, "t.sigs"); }

std::string OnlyError(std::string_view text) {
  ParseResult r = Parse(text);
  EXPECT_TRUE(r.signatures.empty());
  return r.errors.size() == 1 ? r.errors[0] : "errors: " + std::to_string(r.errors.size());
}

TEST(SignatureFile, ParsesLiteralsAndRegexes) {
  ParseResult r = Parse(
      "# a comment\n"
      "\n"
      "GTUBE spam 1000 raw \"XJS*C4JDBQADN1\"\n"
      "  PILLS spam 2.5 body /v[i1]agra\\s+(?:cheap|online)/ims  \r\n"
      "EVIL.EXE malware -1.5 raw \"a\\\"b\\\\c\\x00\\t\"i\n");
  ASSERT_TRUE(r.ok()) << r.errors[0];
  ASSERT_EQ(r.signatures.size(), 3u);
  const Signature& g = r.signatures[0];
  EXPECT_EQ(g.id, "GTUBE");
  EXPECT_EQ(g.kind, PatternKind::kLiteral);
  EXPECT_EQ(g.pattern, "XJS*C4JDBQADN1");
  EXPECT_EQ(g.score, 1000);
  EXPECT_EQ(g.origin, "t.sigs:3");
  const Signature& p = r.signatures[1];
  EXPECT_EQ(p.kind, PatternKind::kRegex);
  EXPECT_EQ(p.scope, Scope::kBody);
  EXPECT_EQ(p.pattern, "v[i1]agra\\s+(?:cheap|online)");
  EXPECT_TRUE(p.flags.caseless && p.flags.multiline && p.flags.dotall);
  const Signature& e = r.signatures[2];
  EXPECT_EQ(e.cls, SigClass::kMalware);
  EXPECT_EQ(e.score, -1.5);
  EXPECT_EQ(e.pattern, std::string("a\"b\\c\0\t", 7));
  EXPECT_TRUE(e.flags.caseless);
}

TEST(SignatureFile, RegexMayHoldSlashes) {
  ParseResult r = Parse("URL spam 1 raw /https?:\\/\\/x\\.example/zz\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors[0].find("unknown flag 'z'"), std::string::npos) << r.errors[0];
  r = Parse("URL spam 1 raw /https?://x.example/i\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.signatures[0].pattern, "https?://x.example");
}

TEST(SignatureFile, RefusesWithFileAndLine) {
  EXPECT_EQ(OnlyError("\nA spam 1 raw /a(b/\n"),
            "t.sigs:2: bad regex: missing closing parenthesis at offset 3");
  EXPECT_EQ(OnlyError("A spam 1 raw /ab/x\n"), "t.sigs:1: unknown flag 'x' (a regex takes i, m, s)");
  EXPECT_EQ(OnlyError("A spam 1 raw \"ab\"m\n"),
            "t.sigs:1: unknown flag 'm' after a literal (a literal takes only i)");
  EXPECT_EQ(OnlyError("A virus 1 raw \"ab\"\n"), "t.sigs:1: unknown class 'virus' (spam or malware)");
  EXPECT_EQ(OnlyError("A spam 1 head \"ab\"\n"), "t.sigs:1: unknown scope 'head' (raw or body)");
  EXPECT_EQ(OnlyError("A spam lots raw \"ab\"\n"),
            "t.sigs:1: bad score 'lots' (a number from -1000 to 1000)");
  EXPECT_EQ(OnlyError("A spam 1e9 raw \"ab\"\n"),
            "t.sigs:1: bad score '1e9' (a number from -1000 to 1000)");
  EXPECT_EQ(OnlyError("A spam nan raw \"ab\"\n"),
            "t.sigs:1: bad score 'nan' (a number from -1000 to 1000)");
  EXPECT_EQ(OnlyError("A/B spam 1 raw \"ab\"\n"),
            "t.sigs:1: bad id 'A/B' (1 to 128 of A-Z a-z 0-9 _ . -)");
  EXPECT_EQ(OnlyError("A spam 1 raw\n"), "t.sigs:1: expected ID CLASS SCORE SCOPE PATTERN");
  EXPECT_EQ(OnlyError("A spam 1 raw \"ab\n"), "t.sigs:1: literal has no closing quote");
  EXPECT_EQ(OnlyError("A spam 1 raw \"\"\n"), "t.sigs:1: empty literal");
  EXPECT_EQ(OnlyError("A spam 1 raw \"\\q\"\n"),
            "t.sigs:1: unknown escape in literal: \\q (known: \\\\ \\\" \\n \\r \\t \\xHH)");
  EXPECT_EQ(OnlyError("A spam 1 raw \"\\x4\"\n"),
            "t.sigs:1: bad escape in literal: \\x takes two hex digits");
  EXPECT_EQ(OnlyError("A spam 1 raw /ab\n"), "t.sigs:1: regex has no closing '/'");
  EXPECT_EQ(OnlyError("A spam 1 raw //\n"), "t.sigs:1: empty regex");
  EXPECT_EQ(OnlyError("A spam 1 raw ab\n"), "t.sigs:1: a pattern is \"literal\" or /regex/flags");
}

TEST(SignatureFile, RefusesDuplicateIds) {
  EXPECT_EQ(OnlyError("A spam 1 raw \"x\"\n# c\nA malware 2 body \"y\"\n"),
            "t.sigs:3: duplicate id 'A' (first at t.sigs:1)");
}

TEST(SignatureFile, EveryBadLineIsReportedAndNothingIsKept) {
  ParseResult r = Parse("A spam 1 raw \"x\"\nB spam 1 raw /(/\nC spam 1 raw \"y\"\nD bad 1 raw \"z\"\n");
  EXPECT_TRUE(r.signatures.empty());
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].rfind("t.sigs:2: bad regex", 0), 0u);
  EXPECT_EQ(r.errors[1].rfind("t.sigs:4: unknown class", 0), 0u);
}

TEST(SignatureFile, FormatParsesBack) {
  ParseResult r = Parse(
      "L spam 2.25 raw \"a\\\"b\\x01\\\\\"i\n"
      "P spam -2.33333333333333335 raw \"p\"\n"
      "Q spam 0.1 raw \"q\"\n"
      "R malware 3 body /a\\/b.c$/ms\n");
  ASSERT_TRUE(r.ok());
  std::string text;
  for (const Signature& s : r.signatures) text += FormatSignature(s) + "\n";
  ParseResult again = Parse(text);
  ASSERT_TRUE(again.ok()) << again.errors[0];
  ASSERT_EQ(again.signatures.size(), 4u);
  EXPECT_EQ(FormatSignature(r.signatures[1]), "P spam -2.3333333333333335 raw \"p\"");
  EXPECT_EQ(FormatSignature(r.signatures[2]), "Q spam 0.1 raw \"q\"");
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(again.signatures[i].id, r.signatures[i].id);
    EXPECT_EQ(again.signatures[i].pattern, r.signatures[i].pattern);
    EXPECT_EQ(again.signatures[i].flags, r.signatures[i].flags);
    EXPECT_EQ(again.signatures[i].score, r.signatures[i].score);
    EXPECT_EQ(again.signatures[i].scope, r.signatures[i].scope);
    EXPECT_EQ(again.signatures[i].cls, r.signatures[i].cls);
  }
}

TEST(SignatureFile, UnreadableFileIsNamed) {
  ParseResult r = ParseSignatureFiles({"/nonexistent/x.sigs"});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "/nonexistent/x.sigs: cannot read");
}

}  // namespace
}  // namespace spamwall::signatures
