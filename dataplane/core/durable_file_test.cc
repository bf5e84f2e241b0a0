#include "dataplane/core/durable_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace spamwall {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct TempDir {
  TempDir() {
    char t[] = "/tmp/durable_file_test.XXXXXX";
    path = mkdtemp(t);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string path;
};

TEST(DurableFileTest, ReplacesTheContentAndLeavesNoTemporary) {
  TempDir d;
  const std::string f = d.path + "/stats.json";
  std::string error;
  ASSERT_TRUE(WriteFileDurably(f, 0640, "old\n", &error)) << error;
  ASSERT_TRUE(WriteFileDurably(f, 0640, "new\n", &error)) << error;
  EXPECT_EQ(Slurp(f), "new\n");
  struct stat st;
  ASSERT_EQ(stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path), fs::directory_iterator{}), 1);
}

// A link planted at the target is replaced, never written through.
TEST(DurableFileTest, APlantedLinkIsReplacedNotFollowed) {
  TempDir d;
  const std::string victim = d.path + "/victim", f = d.path + "/out";
  std::ofstream(victim) << "precious";
  ASSERT_EQ(symlink(victim.c_str(), f.c_str()), 0);
  std::string error;
  ASSERT_TRUE(WriteFileDurably(f, 0600, "mine", &error)) << error;
  EXPECT_EQ(Slurp(victim), "precious");
  EXPECT_FALSE(fs::is_symlink(f));
  EXPECT_EQ(Slurp(f), "mine");
}

// A failed write (here the body reports ENOSPC, as a full disk does) keeps
// the old content and removes the temporary.
TEST(DurableFileTest, AFailedWriteKeepsTheOldContent) {
  TempDir d;
  const std::string f = d.path + "/state";
  std::string error;
  ASSERT_TRUE(WriteFileDurably(f, 0600, "kept", &error)) << error;
  EXPECT_FALSE(WriteFileDurably(f, 0600, [](int) { errno = ENOSPC; return false; }, &error));
  EXPECT_NE(error.find(f), std::string::npos) << error;
  EXPECT_NE(error.find(std::strerror(ENOSPC)), std::string::npos) << error;
  EXPECT_EQ(Slurp(f), "kept");
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path), fs::directory_iterator{}), 1);
  EXPECT_FALSE(WriteFileDurably(d.path + "/no/such/dir/f", 0600, "x", &error));
  EXPECT_NE(error.find("/no/such/dir"), std::string::npos) << error;
}

}  // namespace
}  // namespace spamwall
