// What only the PostgreSQL store has: a server to reach, and a password
// that must not leak.
#include "control/events/postgres_event_store.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "control/events/event_store.h"
#include "control/events/event_store_test_backends.h"

namespace spamwall::events {
namespace {

bool Has(const absl::Status& s, std::string_view what) {
  return std::string(s.message()).find(what) != std::string::npos;
}

// Needs no server.
TEST(PostgresEventStoreTest, NoServerAtTheSocket) {
  absl::StatusOr<std::unique_ptr<EventStore>> s = OpenEventStore(
      "postgresql://nobody:s3cretpw@/postgres?host=/nonexistent-spamwall", "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable) << s.status();
  EXPECT_TRUE(Has(s.status(),
                  "event store postgresql://nobody@/postgres?host=/nonexistent-spamwall: connect: "))
      << s.status();
  EXPECT_TRUE(Has(s.status(), "/nonexistent-spamwall/.s.PGSQL.5432")) << s.status();
  EXPECT_FALSE(Has(s.status(), "s3cretpw")) << s.status();
}

TEST(PostgresEventStoreTest, MalformedUriNamedWithoutPassword) {
  absl::StatusOr<std::unique_ptr<EventStore>> s =
      OpenEventStore("postgres://u:s3cretpw@h/db?nosuchoption=1", "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << s.status();
  EXPECT_TRUE(Has(s.status(), "postgres://u:***@h/db?nosuchoption=1")) << s.status();
  EXPECT_FALSE(Has(s.status(), "s3cretpw")) << s.status();
}

class PostgresServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = PostgresBackend::SkipReason(); !why.empty()) GTEST_SKIP() << why;
    absl::StatusOr<TempPostgres*> pg = SharedPostgres();
    ASSERT_TRUE(pg.ok()) << pg.status();
    pg_ = *pg;
    absl::StatusOr<std::string> uri = pg_->CreateDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status();
    uri_ = *uri;
  }
  TempPostgres* pg_ = nullptr;
  std::string uri_;
};

TEST_F(PostgresServerTest, DescribeNeverHasThePassword) {
  // Trust authentication ignores the password: the URI still carries one.
  std::string db = uri_.substr(std::string("postgresql:///").size());
  db = db.substr(0, db.find('?'));
  std::string uri = absl::StrCat("postgresql://", pg_->user(), ":s3cretpw@/", db, "?host=", pg_->dir());
  absl::StatusOr<std::unique_ptr<EventStore>> s = OpenEventStore(uri, "");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ((*s)->Describe(), absl::StrCat("postgresql://", pg_->user(), "@/", db, "?host=", pg_->dir()));
}

// controld outlives a database restart or an idle-connection killer.
TEST_F(PostgresServerTest, DroppedConnectionIsResetAtTheNextCall) {
  absl::StatusOr<std::unique_ptr<EventStore>> s = OpenEventStore(uri_, "");
  ASSERT_TRUE(s.ok()) << s.status();
  EventStore& store = **s;
  ASSERT_TRUE(store.Insert({{{"type", "x"}, {"ts", 1}}}).ok());
  absl::StatusOr<std::string> killed = PostgresSql(
      uri_, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'spamwall-controld' AND datname = current_database()");
  ASSERT_TRUE(killed.ok()) << killed.status();
  ASSERT_EQ(*killed, "1");
  absl::StatusOr<uint64_t> rows = store.Rows();  // may see the dead connection
  if (!rows.ok()) {
    EXPECT_EQ(rows.status().code(), absl::StatusCode::kUnavailable) << rows.status();
    EXPECT_TRUE(Has(rows.status(), store.Describe() + ": rows: ")) << rows.status();
  }
  rows = store.Rows();
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 1u);
}

}  // namespace
}  // namespace spamwall::events
