#include "control/events/uri_redact.h"

#include <gtest/gtest.h>

namespace spamwall::events {
namespace {

TEST(RedactUriTest, UserinfoAndQueryPasswords) {
  EXPECT_EQ(RedactUri("postgresql://u:pw@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(RedactUri("postgresql://u@h/db?password=pw&sslmode=require"),
            "postgresql://u@h/db?password=***&sslmode=require");
  EXPECT_EQ(RedactUri("postgres://u:p%40ss@h/db?x=1&password=two"),
            "postgres://u:***@h/db?x=1&password=***");
  EXPECT_EQ(RedactUri("postgresql://h/db"), "postgresql://h/db");
  EXPECT_EQ(RedactUri("postgresql:///db?host=/run/postgresql"), "postgresql:///db?host=/run/postgresql");
  EXPECT_EQ(RedactUri("sqlite:/x"), "sqlite:/x");
}

TEST(RedactUriTest, PasswordsDecodedToo) {
  EXPECT_EQ(UriPasswords("postgres://u:p%40ss@h/db"),
            (std::vector<std::string>{"p%40ss", "p@ss"}));
}

TEST(ScrubTest, LongSecretsOnly) {
  EXPECT_EQ(Scrub("auth for hunter22 failed: hunter22", {"hunter22"}),
            "auth for *** failed: ***");
  EXPECT_EQ(Scrub("a b c", {"a"}), "a b c");
}

}  // namespace
}  // namespace spamwall::events
