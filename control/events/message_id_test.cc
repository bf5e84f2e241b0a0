#include "control/events/message_id.h"

#include <gtest/gtest.h>

namespace spamwall::events {
namespace {

TEST(NormalizeMessageIdTest, BracketsAndSpaceGo) {
  EXPECT_EQ(NormalizeMessageId("<a@b>"), "a@b");
  EXPECT_EQ(NormalizeMessageId(" <a@b> "), "a@b");
  EXPECT_EQ(NormalizeMessageId("a@b"), "a@b");
  EXPECT_EQ(NormalizeMessageId("\t a@b \r\n"), "a@b");
  EXPECT_EQ(NormalizeMessageId("< a@b >"), "a@b");
  EXPECT_EQ(NormalizeMessageId("\r\n <a@b>"), "a@b");  // unfolded badly
}

TEST(NormalizeMessageIdTest, CaseKept) {
  EXPECT_EQ(NormalizeMessageId("<ABC.def@Example.ORG>"), "ABC.def@Example.ORG");
}

TEST(NormalizeMessageIdTest, CommentsAround) {
  EXPECT_EQ(NormalizeMessageId("(sent by x) <a@b>"), "a@b");
  EXPECT_EQ(NormalizeMessageId("<a@b> (comment (nested))"), "a@b");
  EXPECT_EQ(NormalizeMessageId("(a \\) quoted) a@b (c)"), "a@b");
  EXPECT_EQ(NormalizeMessageId("a@b(c)"), "a@b");
}

TEST(NormalizeMessageIdTest, FirstOfSeveral) {
  EXPECT_EQ(NormalizeMessageId("<a@b> <c@d>"), "a@b");
  EXPECT_EQ(NormalizeMessageId("a@b c@d"), "a@b");
}

TEST(NormalizeMessageIdTest, GarbageIsEmpty) {
  for (const char* raw : {"", " ", "\t\r\n", "<>", "< >", "()", "(unclosed", " (x) (y) "}) {
    EXPECT_EQ(NormalizeMessageId(raw), "") << raw;
  }
}

TEST(NormalizeMessageIdTest, Truncated) {
  EXPECT_EQ(NormalizeMessageId("<a@b"), "a@b");
  EXPECT_EQ(NormalizeMessageId("a@b>"), "a@b>");  // no pair to remove
}

}  // namespace
}  // namespace spamwall::events
