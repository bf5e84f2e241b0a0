// The EventStore contract, run against SQLite and PostgreSQL alike.
#include "control/events/event_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "control/events/event_row.h"
#include "control/events/event_store_test_backends.h"

namespace spamwall::events {
namespace {

using nlohmann::json;

json Session(const std::string& subscriber, double ts_start) {
  return {{"type", "smtp_session"},
          {"uid", 1},
          {"subscriber", subscriber},
          {"client", {{"ip", subscriber.empty() ? "192.0.2.1" : subscriber}, {"port", 40000}}},
          {"server", {{"ip", "198.51.100.10"}, {"port", 25}}},
          {"ts_start", ts_start},
          {"ts_end", ts_start + 2},
          {"close_reason", "fin"}};
}

json Message(const std::string& subscriber, double ts, const std::string& message_id,
             const std::string& subject = "hello") {
  return {{"type", "smtp_message"},
          {"uid", 1},
          {"subscriber", subscriber},
          {"client", {{"ip", subscriber}, {"port", 40000}}},
          {"server", {{"ip", "198.51.100.10"}, {"port", 25}}},
          {"ts", ts},
          {"mail_from", "a@example.org"},
          {"rcpt_to", {"b@example.net"}},
          {"message_id", message_id},
          {"subject", subject}};
}

json Complaint(double ts, const std::string& message_id, const std::string& subscriber) {
  return {{"type", "complaint"},       {"ts", ts},
          {"message_id", message_id},  {"subscriber", subscriber},
          {"feedback_type", "abuse"},  {"kind", "arf"},
          {"message_ts", ts - 100}};
}

json Alert(double ts, const std::string& subscriber) {
  return {{"type", "threshold_alert"}, {"ts", ts},         {"subscriber", subscriber},
          {"threshold", "burst"},      {"metric", "messages"}, {"window", 60},
          {"value", 120},              {"limit", 100},     {"action", "quarantine"}};
}

std::vector<std::string> Types(const std::vector<json>& docs) {
  std::vector<std::string> out;
  for (const json& d : docs) out.push_back(d.value("type", ""));
  return out;
}

std::vector<double> Times(const std::vector<json>& docs) {
  std::vector<double> out;
  for (const json& d : docs) out.push_back(d.contains("ts") ? d["ts"].get<double>() : d["ts_start"].get<double>());
  return out;
}

#define ASSERT_OK(expr)                                 \
  do {                                                  \
    const absl::Status _s = (expr);                     \
    ASSERT_TRUE(_s.ok()) << _s;                         \
  } while (0)

template <typename Backend>
class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = Backend::SkipReason(); !why.empty()) GTEST_SKIP() << why;
    ASSERT_OK(backend_.SetUp());
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<EventStore> Open() {
    absl::StatusOr<std::unique_ptr<EventStore>> s =
        OpenEventStore(backend_.Spec(), backend_.StateDir());
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }

  std::string Sql(const std::string& sql) {
    absl::StatusOr<std::string> r = backend_.Sql(sql);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : "";
  }

  // The events every query test starts from: two subscribers, every kind.
  void InsertMix() {
    ASSERT_OK(store_->Insert({
        Session("100.64.0.7", 1000),
        Message("100.64.0.7", 1001, "<m1@example.org>"),
        Message("100.64.0.7", 1002, "<m2@example.org>"),
        Session("203.0.113.5", 1003),
        Message("203.0.113.5", 1004, "<m3@example.org>"),
        Complaint(1005, "<m1@example.org>", "100.64.0.7"),
        Alert(1006, "100.64.0.7"),
        Complaint(1007, "<unknown@example.org>", ""),
    }));
  }

  Backend backend_;
  std::unique_ptr<EventStore> store_;
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;
class BackendNames {
 public:
  template <typename T>
  static std::string GetName(int) { return T::kName; }
};
TYPED_TEST_SUITE(EventStoreTest, Backends, BackendNames);

TYPED_TEST(EventStoreTest, DocumentsComeBackWholeNewestFirst) {
  json msg = Message("100.64.0.7", 1001, "<m1@example.org>");
  msg["hits"] = json::array({{{"id", 7}}});
  msg["size"] = 12345;
  ASSERT_OK(this->store_->Insert({Session("100.64.0.7", 1000), msg, Alert(999, "100.64.0.7")}));
  absl::StatusOr<std::vector<json>> all = this->store_->Query({});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0], msg);
  EXPECT_EQ(Types(*all), (std::vector<std::string>{"smtp_message", "smtp_session", "threshold_alert"}));
}

TYPED_TEST(EventStoreTest, SameTsNewerInsertFirst) {
  ASSERT_OK(this->store_->Insert({Alert(5000, "a"), Complaint(5000, "<x@y>", "a")}));
  ASSERT_OK(this->store_->Insert({Session("a", 5000)}));
  absl::StatusOr<std::vector<json>> all = this->store_->Query({});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(Types(*all), (std::vector<std::string>{"smtp_session", "complaint", "threshold_alert"}));
}

TYPED_TEST(EventStoreTest, QueryFilters) {
  this->InsertMix();
  EventStore& store = *this->store_;
  absl::StatusOr<std::vector<json>> r = store.Query({.subscriber = "100.64.0.7"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Times(*r), (std::vector<double>{1006, 1005, 1002, 1001, 1000}));

  r = store.Query({.type = "smtp_message"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Times(*r), (std::vector<double>{1004, 1002, 1001}));

  r = store.Query({.subscriber = "100.64.0.7", .type = "smtp_message", .since = 1002});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Times(*r), (std::vector<double>{1002}));

  r = store.Query({.since = 1004, .limit = 2});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Times(*r), (std::vector<double>{1007, 1006}));

  r = store.Query({.subscriber = "nobody-here"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->empty());

  r = store.Query({.limit = 0});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->empty());
}

TYPED_TEST(EventStoreTest, FindMessageWithOrWithoutBrackets) {
  this->InsertMix();
  ASSERT_OK(this->store_->Insert({Message("100.64.0.7", 2000, " <m1@example.org> ", "again")}));
  for (const char* id : {"m1@example.org", "<m1@example.org>", "  <m1@example.org>\t",
                         "(comment) <m1@example.org>"}) {
    absl::StatusOr<std::vector<json>> r = this->store_->FindMessage(id, 10);
    ASSERT_TRUE(r.ok()) << r.status();
    // Messages only (the complaint quoting it is not one), newest first.
    ASSERT_EQ(r->size(), 2u) << id;
    EXPECT_EQ((*r)[0]["subject"], "again");
    EXPECT_EQ((*r)[1]["ts"], 1001);
  }
  absl::StatusOr<std::vector<json>> r = this->store_->FindMessage("<m1@example.org>", 1);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0]["subject"], "again");
  // The local part is case-sensitive; an empty id matches nothing, not the
  // events that have none.
  for (const char* id : {"M1@example.org", "", "<>", "unknown@example.org"}) {
    r = this->store_->FindMessage(id, 10);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->empty()) << id;
  }
  // The complaint that quotes it, by the same key.
  r = this->store_->FindMessage("m1@example.org", 10, "complaint");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0]["type"], "complaint");
}

TYPED_TEST(EventStoreTest, TsFromTsStartElseNow) {
  double before = NowSeconds();
  ASSERT_OK(this->store_->Insert({Session("s", 1234.5), {{"type", "note"}, {"subscriber", "s"}}}));
  absl::StatusOr<uint64_t> n = this->store_->Count("smtp_session", "", 1234.5);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1u);
  n = this->store_->Count("smtp_session", "", 1234.6);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 0u);
  // No ts of its own: stamped at insertion.
  n = this->store_->Count("note", "s", before - 1);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1u);
  n = this->store_->Count("note", "s", before + 3600);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 0u);
}

TYPED_TEST(EventStoreTest, CountRowsPrune) {
  this->InsertMix();
  EventStore& store = *this->store_;
  auto count = [&](std::string_view type, std::string_view sub, double since) {
    absl::StatusOr<uint64_t> n = store.Count(type, sub, since);
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : ~0ull;
  };
  EXPECT_EQ(count("", "", 0), 8u);
  EXPECT_EQ(count("complaint", "", 0), 2u);
  EXPECT_EQ(count("complaint", "", 1006), 1u);
  EXPECT_EQ(count("", "100.64.0.7", 0), 5u);
  EXPECT_EQ(count("smtp_message", "203.0.113.5", 0), 1u);
  EXPECT_EQ(count("", "", 1008), 0u);

  absl::StatusOr<uint64_t> pruned = store.Prune(1004);  // strictly older
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(*pruned, 4u);
  absl::StatusOr<uint64_t> rows = store.Rows();
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 4u);
  absl::StatusOr<std::vector<json>> left = store.Query({});
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(Times(*left), (std::vector<double>{1007, 1006, 1005, 1004}));
  pruned = store.Prune(0);
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(*pruned, 0u);
}

TYPED_TEST(EventStoreTest, BadBatchWritesNothing) {
  ASSERT_OK(this->store_->Insert({}));
  struct Case {
    json bad;
    const char* why;
  };
  for (const Case& c : {Case{42, "not a JSON object"}, Case{json::array({1}), "not a JSON object"},
                        Case{{{"ts", 1}}, "no string \"type\""},
                        Case{{{"type", 7}}, "no string \"type\""},
                        Case{{{"type", ""}}, "no string \"type\""}}) {
    absl::Status s = this->store_->Insert({Alert(1, "a"), Session("a", 2), c.bad, Alert(3, "a")});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find("event 2 of the batch"), std::string::npos) << s;
    EXPECT_NE(s.message().find(c.why), std::string::npos) << s;
    EXPECT_NE(s.message().find(this->store_->Describe()), std::string::npos) << s;
  }
  absl::StatusOr<uint64_t> rows = this->store_->Rows();
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 0u);
}

TYPED_TEST(EventStoreTest, LargeBatchInOneGo) {
  std::vector<json> batch;
  for (int i = 0; i < 1234; ++i) {
    batch.push_back(Message("100.64.0.7", 10000 + i, "<bulk" + std::to_string(i) + "@x>"));
  }
  ASSERT_OK(this->store_->Insert(batch));
  absl::StatusOr<uint64_t> rows = this->store_->Rows();
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 1234u);
  absl::StatusOr<std::vector<json>> r = this->store_->FindMessage("bulk1233@x", 5);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0]["ts"], 11233);
}

TYPED_TEST(EventStoreTest, TextThatIsNotUtf8) {
  // controld's own events may carry bytes from a complaint as they came.
  json m = Message("100.64.0.7\xff", 1, "<bin\xfe\x00id@x>", "caf\xe9");
  m["message_id"] = std::string("<bin\xfe\0id@x>", 11);
  ASSERT_OK(this->store_->Insert({m}));
  absl::StatusOr<std::vector<json>> r = this->store_->Query({.subscriber = "100.64.0.7\xff"});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0]["subject"], "caf\xEF\xBF\xBD");
  r = this->store_->FindMessage(std::string("<bin\xfe\0id@x>", 11), 5);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->size(), 1u);
}

TYPED_TEST(EventStoreTest, ReopenKeepsDataAndDoesNotMigrateAgain) {
  this->InsertMix();
  std::string applied = this->Sql("SELECT applied_at FROM schema_migrations WHERE version = 1");
  ASSERT_FALSE(applied.empty());
  this->store_.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a re-run would stamp later
  this->store_ = this->Open();
  ASSERT_NE(this->store_, nullptr);
  absl::StatusOr<uint64_t> rows = this->store_->Rows();
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 8u);
  EXPECT_EQ(this->Sql("SELECT count(*) FROM schema_migrations"), "1");
  EXPECT_EQ(this->Sql("SELECT applied_at FROM schema_migrations WHERE version = 1"), applied);
}

TYPED_TEST(EventStoreTest, FutureSchemaVersionRefused) {
  this->store_.reset();
  this->Sql("INSERT INTO schema_migrations(version) VALUES (7)");
  absl::StatusOr<std::unique_ptr<EventStore>> s =
      OpenEventStore(this->backend_.Spec(), this->backend_.StateDir());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition) << s.status();
  EXPECT_NE(s.status().message().find("schema version 7 is newer than this build knows (1)"),
            std::string::npos)
      << s.status();
}

// A v2 is one more list entry: applied once, over the data of v1.
TYPED_TEST(EventStoreTest, LaterMigrationApplies) {
  this->InsertMix();
  this->store_.reset();
  std::vector<Migration> v2 = EventMigrations();
  v2.push_back({2,
                "events.note",
                {Portable("ALTER TABLE events ADD COLUMN note TEXT NOT NULL DEFAULT ''"),
                 Portable("CREATE INDEX events_note ON events(note)")}});
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::unique_ptr<EventStore>> s = this->backend_.OpenWith(v2);
    ASSERT_TRUE(s.ok()) << s.status();
    absl::StatusOr<uint64_t> rows = (*s)->Rows();
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_EQ(*rows, 8u);
  }
  EXPECT_EQ(this->Sql("SELECT count(*) FROM schema_migrations"), "2");
  EXPECT_EQ(this->Sql("SELECT count(*) FROM events WHERE note = ''"), "8");
  // And the v1 build now refuses the file.
  absl::StatusOr<std::unique_ptr<EventStore>> old = this->backend_.OpenWith(EventMigrations());
  EXPECT_EQ(old.status().code(), absl::StatusCode::kFailedPrecondition) << old.status();
}

// A migration that fails half way leaves the database at the version before.
TYPED_TEST(EventStoreTest, FailedMigrationRollsBack) {
  this->InsertMix();
  this->store_.reset();
  std::vector<Migration> v2 = EventMigrations();
  v2.push_back({2, "broken", {Portable("CREATE TABLE extra(x INTEGER)"), Portable("NOT SQL AT ALL")}});
  absl::StatusOr<std::unique_ptr<EventStore>> s = this->backend_.OpenWith(v2);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("migration 2 (broken)"), std::string::npos) << s.status();
  EXPECT_EQ(this->Sql("SELECT MAX(version) FROM schema_migrations"), "1");
  EXPECT_EQ(this->Sql(this->backend_.TableExistsSql("extra")), "0");
  this->store_ = this->Open();
  ASSERT_NE(this->store_, nullptr);
  absl::StatusOr<uint64_t> rows = this->store_->Rows();
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 8u);
}

TYPED_TEST(EventStoreTest, ThreadsShareOneStore) {
  constexpr int kThreads = 4, kBatches = 40, kPerBatch = 5;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string sub = "100.64.1." + std::to_string(t);
      for (int b = 0; b < kBatches; ++b) {
        std::vector<json> batch;
        for (int i = 0; i < kPerBatch; ++i) batch.push_back(Message(sub, b * 10 + i, "<c@x>"));
        if (!this->store_->Insert(batch).ok()) ++failures;
        if (!this->store_->Query({.subscriber = sub, .limit = 3}).ok()) ++failures;
        if (!this->store_->Count("smtp_message", sub, 0).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  absl::StatusOr<uint64_t> rows = this->store_->Rows();
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, static_cast<uint64_t>(kThreads * kBatches * kPerBatch));
}

}  // namespace
}  // namespace spamwall::events
