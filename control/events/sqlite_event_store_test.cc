// What only the SQLite store has: a file of its own to guard.
#include "control/events/sqlite_event_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include "control/events/event_store.h"
#include "control/events/event_store_test_backends.h"

namespace spamwall::events {
namespace {

using nlohmann::json;

bool Has(const absl::Status& s, std::string_view what) {
  return std::string(s.message()).find(what) != std::string::npos;
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

TEST(SqliteEventStoreTest, DefaultSpecIsInTheStateDir) {
  TempDir dir;
  for (const char* spec : {"", "sqlite"}) {
    absl::StatusOr<std::unique_ptr<EventStore>> s = OpenEventStore(spec, dir.path());
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ((*s)->Describe(), "sqlite:" + dir.path() + "/events.sqlite");
  }
}

TEST(SqliteEventStoreTest, BadSpecsNamed) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<EventStore>> s = OpenEventStore("sqlite:events.sqlite", dir.path());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Has(s.status(), "\"sqlite:events.sqlite\": the path must be absolute")) << s.status();
  s = OpenEventStore("mysql://u:hunter22@db.example/ev", dir.path());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Has(s.status(), "\"mysql://u:***@db.example/ev\": unknown")) << s.status();
  EXPECT_FALSE(Has(s.status(), "hunter22")) << s.status();
  s = OpenEventStore("sqlite", "");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << s.status();
}

TEST(SqliteEventStoreTest, FilesAre0600WhateverTheUmask) {
  TempDir dir;
  mode_t old = umask(0);
  absl::StatusOr<std::unique_ptr<EventStore>> s = OpenEventStore("", dir.path());
  umask(old);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE((*s)->Insert({{{"type", "x"}}}).ok());
  EXPECT_EQ(ModeOf(dir.path() + "/events.sqlite"), 0600u);
  // SQLite gives its -wal and -shm the main file's mode.
  EXPECT_EQ(ModeOf(dir.path() + "/events.sqlite-wal"), 0600u);
  EXPECT_EQ(ModeOf(dir.path() + "/events.sqlite-shm"), 0600u);
}

TEST(SqliteEventStoreTest, SymlinkRefused) {
  TempDir dir;
  std::string target = dir.path() + "/elsewhere";
  std::string path = dir.path() + "/events.sqlite";
  ASSERT_EQ(symlink(target.c_str(), path.c_str()), 0);
  absl::StatusOr<std::unique_ptr<EventStore>> s = OpenEventStore("sqlite:" + path, "");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Has(s.status(), "sqlite:" + path + ": open: is a symbolic link")) << s.status();
  EXPECT_NE(access(target.c_str(), F_OK), 0) << "the link was followed";
}

TEST(SqliteEventStoreTest, DirectoryRefused) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<EventStore>> s = OpenEventStore("sqlite:" + dir.path(), "");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Has(s.status(), "not a regular file")) << s.status();
}

TEST(SqliteEventStoreTest, MissingDirectoryNamed) {
  absl::StatusOr<std::unique_ptr<EventStore>> s =
      OpenEventStore("sqlite:/nonexistent-spamwall/events.sqlite", "");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Has(s.status(),
                  "event store sqlite:/nonexistent-spamwall/events.sqlite: create: No such file"))
      << s.status();
}

TEST(SqliteEventStoreTest, GarbageFileRefused) {
  TempDir dir;
  std::string path = dir.path() + "/events.sqlite";
  std::string garbage(8192, '\0');
  std::mt19937 rng(7);
  for (char& c : garbage) c = static_cast<char>(rng());
  for (const std::string& bytes : {garbage, std::string("not a database\n")}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    absl::StatusOr<std::unique_ptr<EventStore>> s = OpenEventStore("sqlite:" + path, "");
    EXPECT_EQ(s.status().code(), absl::StatusCode::kDataLoss) << s.status();
    EXPECT_TRUE(Has(s.status(), "sqlite:" + path + ": open: file is not a database")) << s.status();
    std::ifstream in(path, std::ios::binary);
    std::string after((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(after, bytes) << "the refused file was changed";
  }
}

// A full disk is an error to report, never a crash, and what was written
// stays readable.
TEST(SqliteEventStoreTest, FullDiskIsAnErrorAndReadsGoOn) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  TempDir dir;
  std::string small = dir.path() + "/small";
  ASSERT_EQ(mkdir(small.c_str(), 0700), 0);
  if (mount("tmpfs", small.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=256k") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  }
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{small};  // declared first: the store closes before it runs

  absl::StatusOr<std::unique_ptr<EventStore>> opened =
      OpenEventStore("sqlite:" + small + "/events.sqlite", "");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EventStore& store = **opened;
  uint64_t written = 0;
  absl::Status failure;
  for (int b = 0; b < 200 && failure.ok(); ++b) {
    std::vector<json> batch;
    for (int i = 0; i < 10; ++i) {
      batch.push_back({{"type", "smtp_message"},
                       {"ts", b * 10 + i},
                       {"message_id", "<" + std::to_string(b * 10 + i) + "@x>"},
                       {"subject", std::string(2000, 'a' + i)}});
    }
    failure = store.Insert(batch);
    if (failure.ok()) written += batch.size();
  }
  ASSERT_FALSE(failure.ok()) << "256 KiB never filled";
  EXPECT_EQ(failure.code(), absl::StatusCode::kResourceExhausted) << failure;
  EXPECT_TRUE(Has(failure, "event store sqlite:" + small + "/events.sqlite: insert: ")) << failure;
  EXPECT_TRUE(Has(failure, "full")) << failure;
  ASSERT_GT(written, 0u);

  absl::StatusOr<uint64_t> rows = store.Rows();
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, written);
  absl::StatusOr<std::vector<json>> newest = store.Query({.limit = 3});
  ASSERT_TRUE(newest.ok()) << newest.status();
  ASSERT_EQ(newest->size(), 3u);
  EXPECT_EQ((*newest)[0]["ts"], written - 1);
  absl::StatusOr<std::vector<json>> found = store.FindMessage("<0@x>", 5);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->size(), 1u);
}

}  // namespace
}  // namespace spamwall::events
