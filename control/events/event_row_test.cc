#include "control/events/event_row.h"

#include <gtest/gtest.h>

namespace spamwall::events {
namespace {

TEST(ColumnTextTest, Utf8KeptBadBytesReplacedNulDropped) {
  EXPECT_EQ(ColumnText("plain"), "plain");
  EXPECT_EQ(ColumnText("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(ColumnText("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(ColumnText("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");      // overlong
  EXPECT_EQ(ColumnText("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(ColumnText("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");      // cut short
  EXPECT_EQ(ColumnText(std::string("a\0b", 3)), "ab");
}

TEST(ToRowsTest, IndexedColumns) {
  absl::StatusOr<std::vector<EventRow>> rows = ToRows(
      {{{"type", "smtp_message"}, {"ts", 5.25}, {"ts_start", 1}, {"subscriber", "s"},
        {"message_id", " <M@x> "}},
       {{"type", "smtp_session"}, {"ts_start", 3}, {"subscriber", 7}},
       {{"type", "complaint"}, {"ts", "soon"}, {"message_id", 9}}},
      100);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].ts, 5.25);
  EXPECT_EQ((*rows)[0].subscriber, "s");
  EXPECT_EQ((*rows)[0].message_key, "M@x");
  EXPECT_EQ((*rows)[1].ts, 3);
  EXPECT_EQ((*rows)[1].subscriber, "");  // not a string: none
  EXPECT_EQ((*rows)[2].ts, 100);         // not a number: the time of insertion
  EXPECT_EQ((*rows)[2].message_key, "");
  EXPECT_EQ(nlohmann::json::parse((*rows)[1].doc)["subscriber"], 7);
}

TEST(ToRowsTest, FirstBadDocumentNamed) {
  absl::StatusOr<std::vector<EventRow>> rows =
      ToRows({{{"type", "a"}}, {{"type", "b"}}, nullptr, 1}, 0);
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(rows.status().message().find("event 2 of the batch: not a JSON object (null)"),
            std::string::npos)
      << rows.status();
}

TEST(ParseDocTest, NotJsonIsDataLoss) {
  EXPECT_TRUE(ParseDoc("{\"a\":1}", 1).ok());
  absl::StatusOr<nlohmann::json> bad = ParseDoc("{\"a\":", 42);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find("event 42"), std::string::npos);
}

}  // namespace
}  // namespace spamwall::events
