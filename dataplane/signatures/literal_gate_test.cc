#include "dataplane/signatures/literal_gate.h"

#include <gtest/gtest.h>

namespace spamwall::signatures {
namespace {

using Factors = std::vector<std::vector<std::string>>;

Factors Gate(const std::string& re) {
  Signature s;
  s.kind = PatternKind::kRegex;
  s.pattern = re;
  return ExtractLiteralGate(s).factors;
}

TEST(LiteralGate, LiteralRunsAreFactors) {
  EXPECT_EQ(Gate("Free\\s+Money"), (Factors{{"money"}, {"free"}}));
  EXPECT_EQ(Gate("viagra"), (Factors{{"viagra"}}));
  EXPECT_EQ(Gate("\\bclick\\s+here\\b"), (Factors{{"click"}, {"here"}}));
}

TEST(LiteralGate, AlternationsAndSmallClassesExpand) {
  EXPECT_EQ(Gate("(?:cheap|best) v[i1]agra"),
            (Factors{{"best v1agra", "best viagra", "cheap v1agra", "cheap viagra"}}));
  EXPECT_EQ(Gate("lottery (?:winner|prize)"), (Factors{{"lottery prize", "lottery winner"}}));
}

TEST(LiteralGate, OptionalPartsRequireNothing) {
  EXPECT_EQ(Gate("(?:foo)?bar"), (Factors{{"bar", "foobar"}}));
  EXPECT_TRUE(Gate("(?:money)*x").empty());
  EXPECT_TRUE(Gate("a.b").empty());  // nothing of three bytes is certain
  EXPECT_EQ(Gate("(?:abc)+d"), (Factors{{"abcd"}}));
}

TEST(LiteralGate, AlternativesWithoutACommonFactorGiveNoGate) {
  EXPECT_TRUE(Gate("money|\\d+").empty());
  EXPECT_EQ(Gate("(?:money\\s|cash\\s)now"), (Factors{{"cash", "money"}, {"now"}}));
}

TEST(LiteralGate, AssertionsAndReferencesAreZeroOrUnknown) {
  EXPECT_EQ(Gate("(?<!no )(deal)\\s+\\1 done"), (Factors{{" done"}, {"deal"}}));
  EXPECT_EQ(Gate("^Subject:(?=.*free)"), (Factors{{"subject:"}}));
}

TEST(LiteralGate, RepeatsJoinTheirNeighbours) {
  // a d+ r e s+: every match holds "dres" (and starts "ad", too short).
  EXPECT_EQ(Gate("ad+res+"), (Factors{{"dres"}}));
  EXPECT_EQ(Gate("x\\s+(?:ab)+cd"), (Factors{{"abcd"}}));
}

std::vector<size_t> Leads(const std::string& re) {
  Signature s;
  s.kind = PatternKind::kRegex;
  s.pattern = re;
  return ExtractLiteralGate(s).leads;
}

constexpr size_t kNo = LiteralGate::kNoLead;

TEST(LiteralGate, LeadsBoundWhereAFactorStarts) {
  // "money" can start at most 4 + 2 + 5 bytes in; "free" starts the match.
  EXPECT_EQ(Gate("\\bfree\\s{1,2}\\w{0,5}money"), (Factors{{"money"}, {"free"}}));
  EXPECT_EQ(Leads("\\bfree\\s{1,2}\\w{0,5}money"), (std::vector<size_t>{11, 0}));
  // A tail ends the match: "cdef" starts at most 2 + 3 + 2 bytes in.
  EXPECT_EQ(Leads("ab\\s{1,3}(?:x|yy)?cdef"), std::vector<size_t>{7});
  // Alternatives: the later of the two.
  EXPECT_EQ(Leads("(?:a{0,9}win|b?won)\\s+now"), (std::vector<size_t>{9, kNo}));
  // Unbounded before it, or a reference: no bound.
  EXPECT_EQ(Leads("free\\s+money"), (std::vector<size_t>{kNo, 0}));
  EXPECT_EQ(Leads("(a)\\1money"), std::vector<size_t>{kNo});
  EXPECT_EQ(Leads("x.*money"), std::vector<size_t>{kNo});
  // \\G and \\K tie a match to where the search starts: no window at all.
  EXPECT_EQ(Leads("\\Gmoney"), std::vector<size_t>{kNo});
  EXPECT_EQ(Leads("money\\Kback"), (std::vector<size_t>{kNo}));
}

LiteralGate FullGate(const std::string& re) {
  Signature s;
  s.kind = PatternKind::kRegex;
  s.pattern = re;
  return ExtractLiteralGate(s);
}

TEST(LiteralGate, RepeatedByteSetsBoundLeadsByRuns) {
  // "dres" starts right after the run of d's: at most one run in.
  LiteralGate g = FullGate("ad+res+");
  EXPECT_EQ(g.factors, (Factors{{"dres"}}));
  EXPECT_EQ(g.leads, std::vector<size_t>{0});
  EXPECT_EQ(g.lead_runs, std::vector<size_t>{1});
  EXPECT_EQ(g.run_classes, (std::vector<std::string>{"Dd", "Ss"}));
  // Two runs and three bytes before "offer"; [sc] a class of its own.
  g = FullGate("x[sc]+y{2,}z\\s?offer");
  EXPECT_EQ(g.leads, std::vector<size_t>{3});
  EXPECT_EQ(g.lead_runs, std::vector<size_t>{2});
  EXPECT_EQ(g.run_classes, (std::vector<std::string>{"CScs", "Yy"}));
  // A repeat of anything wider than one byte, or of \\s, has no bound.
  EXPECT_EQ(Leads("(?:ab)+offer"), std::vector<size_t>{kNo});
  EXPECT_EQ(Leads("a\\s+offer"), std::vector<size_t>{kNo});
}

TEST(LiteralGate, UnknownSyntaxGivesNoGate) {
  EXPECT_TRUE(Gate("(*UTF)abcdef").empty());
  EXPECT_TRUE(Gate("\\Qabc\\E").empty());
  EXPECT_TRUE(Gate("(?x) a b c d").empty());
}

}  // namespace
}  // namespace spamwall::signatures
