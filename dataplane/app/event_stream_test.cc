#include "dataplane/app/event_stream.h"

#include <string>

#include <gtest/gtest.h>

namespace spamwall {
namespace {

std::string Lines(int from, int n) {
  std::string s;
  for (int i = from; i < from + n; i++) s += "{\"n\":" + std::to_string(i) + "}\n";
  return s;
}

TEST(EventStreamTest, ReadsByCursorInOrder) {
  EventStream s;
  s.Append(Lines(1, 3), 3);
  s.Append(Lines(4, 2), 2);
  EventStream::Read r = s.ReadAfter(0, 1 << 20);
  EXPECT_EQ(r.first, 1u);
  EXPECT_EQ(r.count, 5u);
  EXPECT_EQ(r.next, 5u);
  EXPECT_EQ(r.missed, 0u);
  EXPECT_EQ(r.lines, Lines(1, 5));
  r = s.ReadAfter(r.next, 1 << 20);
  EXPECT_EQ(r.count, 0u);
  EXPECT_EQ(r.next, 5u);
  s.Append(Lines(6, 1), 1);
  r = s.ReadAfter(5, 1 << 20);
  EXPECT_EQ(r.lines, Lines(6, 1));
  EXPECT_EQ(r.first, 6u);
}

TEST(EventStreamTest, ACursorInsideABatchSkipsWhatWasRead) {
  EventStream s;
  s.Append(Lines(1, 4), 4);
  EventStream::Read r = s.ReadAfter(2, 1 << 20);
  EXPECT_EQ(r.first, 3u);
  EXPECT_EQ(r.count, 2u);
  EXPECT_EQ(r.lines, Lines(3, 2));
}

TEST(EventStreamTest, WholeBatchesUpToTheSizeAtLeastOne) {
  EventStream s;
  s.Append(Lines(1, 2), 2);
  s.Append(Lines(3, 2), 2);
  EventStream::Read r = s.ReadAfter(0, 1);  // smaller than one batch: one batch anyway
  EXPECT_EQ(r.count, 2u);
  EXPECT_EQ(r.next, 2u);
  r = s.ReadAfter(r.next, 1);
  EXPECT_EQ(r.lines, Lines(3, 2));
}

TEST(EventStreamTest, AFullQueueDropsTheOldestCountedAndTheReaderSeesTheGap) {
  const std::string batch = Lines(1, 2);
  EventStream s(batch.size() * 2);  // room for two batches
  s.Append(Lines(1, 2), 2);
  s.Append(Lines(3, 2), 2);
  s.Append(Lines(5, 2), 2);
  EventStream::Counters c = s.counters();
  EXPECT_EQ(c.appended, 6u);
  EXPECT_EQ(c.dropped, 2u);
  EXPECT_EQ(c.held, 4u);
  EXPECT_EQ(c.last, 6u);
  EventStream::Read r = s.ReadAfter(0, 1 << 20);
  EXPECT_EQ(r.missed, 2u);
  EXPECT_EQ(r.first, 3u);
  EXPECT_EQ(r.count, 4u);
  EXPECT_EQ(r.next, 6u);
}

TEST(EventStreamTest, EverythingAfterTheCursorDroppedIsMissedNotLost) {
  EventStream s(10);
  s.Append(Lines(1, 3), 3);  // larger than the queue: dropped whole, numbered
  EventStream::Read r = s.ReadAfter(0, 1 << 20);
  EXPECT_EQ(r.count, 0u);
  EXPECT_EQ(r.missed, 3u);
  EXPECT_EQ(r.next, 3u);
  EXPECT_EQ(s.counters().dropped, 3u);
}

TEST(EventStreamTest, ACursorFromBeforeARestartStartsOver) {
  EventStream s;
  s.Append(Lines(1, 2), 2);
  EventStream::Read r = s.ReadAfter(100, 1 << 20);
  EXPECT_EQ(r.first, 1u);
  EXPECT_EQ(r.count, 2u);
}

}  // namespace
}  // namespace spamwall
