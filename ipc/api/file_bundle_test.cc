#include "ipc/api/file_bundle.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ipc/api/controld_api.h"
#include "ipc/regular_file.h"

namespace spamwall {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("spamwall-bundle-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

TEST_F(FilesTest, OnlyRegularFilesWithinTheCap) {
  std::string e;
  proto::ReadFileOptions opts;
  EXPECT_EQ(proto::ReadRegularFile(Write("a", "abc"), opts, &e), "abc");
  ASSERT_EQ(mkfifo((dir_ / "fifo").c_str(), 0600), 0);
  EXPECT_FALSE(proto::ReadRegularFile((dir_ / "fifo").string(), opts, &e));  // at once, no writer needed
  EXPECT_NE(e.find("is a FIFO, not a regular file"), std::string::npos) << e;
  EXPECT_FALSE(proto::ReadRegularFile("/dev/zero", opts, &e));
  EXPECT_NE(e.find("is a character device"), std::string::npos) << e;
  EXPECT_FALSE(proto::ReadRegularFile(dir_.string(), opts, &e));
  EXPECT_NE(e.find("is a directory"), std::string::npos) << e;
  opts.max_bytes = 2;
  EXPECT_FALSE(proto::ReadRegularFile((dir_ / "a").string(), opts, &e));
  EXPECT_NE(e.find("3 bytes, more than the 2 allowed"), std::string::npos) << e;
  fs::create_symlink(dir_ / "a", dir_ / "link");
  opts = {};
  EXPECT_EQ(proto::ReadRegularFile((dir_ / "link").string(), opts, &e), "abc");
  opts.follow_links = false;
  EXPECT_FALSE(proto::ReadRegularFile((dir_ / "link").string(), opts, &e));
  EXPECT_NE(e.find("is a symbolic link (refused)"), std::string::npos) << e;
  bool missing = false;
  EXPECT_FALSE(proto::ReadRegularFile((dir_ / "none").string(), opts, &e, &missing));
  EXPECT_TRUE(missing);
}

TEST_F(FilesTest, ABundleGoesAndComesBackWhole) {
  api::FileBundle b;
  std::string e;
  ASSERT_TRUE(api::AddFile(Write("p.yaml", "version: 1\n"), &b, &e)) << e;
  ASSERT_TRUE(api::AddFile(Write("pool.txt", "10.0.0.0/8\n"), &b, &e)) << e;
  ASSERT_TRUE(api::AddFile((dir_ / "x" / ".." / "pool.txt").string(), &b, &e)) << e;  // the same file, once
  ASSERT_EQ(b.files.size(), 2u);
  EXPECT_EQ(b.files[1].path, (dir_ / "pool.txt").string());
  json args = {{"other", 1}};
  UniqueFd fd;
  ASSERT_TRUE(api::BundleToWire(b, &args, &fd, &e)) << e;
  EXPECT_EQ(args["other"], 1);
  api::FileBundle back;
  ASSERT_TRUE(api::BundleFromWire(args, fd.get(), &back, &e)) << e;
  ASSERT_EQ(back.files.size(), 2u);
  EXPECT_EQ(back.files[0].bytes, "version: 1\n");
  EXPECT_EQ(back.files[1].bytes, "10.0.0.0/8\n");
  EXPECT_EQ(back.Find((dir_ / "pool.txt").string())->bytes, "10.0.0.0/8\n");

  // A listing that does not match the memfd, a descriptor that could
  // change or block (an unsealed memfd, a pipe), none at all: refused.
  json lying = args;
  lying["bundle"]["files"][1]["size"] = 100;
  EXPECT_FALSE(api::BundleFromWire(lying, fd.get(), &back, &e));
  EXPECT_NE(e.find("its listing"), std::string::npos) << e;
  UniqueFd loose(memfd_create("loose", MFD_CLOEXEC));
  ASSERT_EQ(write(loose.get(), "version: 1\n10.0.0.0/8\n", 22), 22);
  EXPECT_FALSE(api::BundleFromWire(args, loose.get(), &back, &e));
  EXPECT_NE(e.find("sealed memfd"), std::string::npos) << e;
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_FALSE(api::BundleFromWire(args, p[0], &back, &e));
  close(p[0]);
  close(p[1]);
  EXPECT_FALSE(api::BundleFromWire(args, -1, &back, &e));
  json relative = {{"bundle", {{"files", {{{"path", "p.yaml"}, {"size", 1}}}}}}};
  EXPECT_FALSE(api::BundleFromWire(relative, fd.get(), &back, &e));
  EXPECT_NE(e.find("absolute"), std::string::npos) << e;
}

TEST(ControldApiTest, PrintableEscapesAndCuts) {
  EXPECT_EQ(api::ctl::Printable("a\x1b[2J\nb\x7f"), "a\\x1b[2J\\x0ab\\x7f");
  EXPECT_EQ(api::ctl::Printable(std::string("x\0y", 3)), "x\\x00y");
  EXPECT_EQ(api::ctl::Printable(std::string(300, 'z'), 10), std::string(10, 'z') + "...");
  EXPECT_EQ(api::ctl::Printable("100.64.0.0/10 ok"), "100.64.0.0/10 ok");
}

TEST(ControldApiTest, ArgumentsRoundTripAndAreChecked) {
  api::ctl::ExemptAddArgs e{"100.64.7.0/24", "ticket-1", "relay", "2099-01-01"};
  api::ctl::ExemptAddArgs back;
  std::string error;
  ASSERT_TRUE(api::ctl::ExemptAddArgs::FromJson(e.ToJson(), &back, &error)) << error;
  EXPECT_EQ(back.prefix, e.prefix);
  EXPECT_EQ(back.reason, e.reason);
  json bulk = e.ToJson();
  bulk.erase("prefix");
  bulk["bundle"] = json::object();
  ASSERT_TRUE(api::ctl::ExemptAddArgs::FromJson(bulk, &back, &error)) << error;
  EXPECT_TRUE(back.bulk);
  bulk["prefix"] = "100.64.7.0/24";
  EXPECT_FALSE(api::ctl::ExemptAddArgs::FromJson(bulk, &back, &error));
  EXPECT_NE(error.find("not both"), std::string::npos) << error;

  api::ctl::AuditTailArgs a;
  a.n = 5;
  a.user = "alice";
  a.since = "2026-01-02";
  api::ctl::AuditTailArgs a2;
  ASSERT_TRUE(api::ctl::AuditTailArgs::FromJson(a.ToJson(), &a2, &error)) << error;
  EXPECT_EQ(a2.n, 5);
  EXPECT_EQ(a2.user, "alice");
  EXPECT_EQ(a2.since, "2026-01-02");
  EXPECT_FALSE(api::ctl::AuditTailArgs::FromJson({{"max_bytes", 10}}, &a2, &error));
  api::ctl::QuarantineArgs q;
  EXPECT_FALSE(api::ctl::QuarantineArgs::FromJson({{"addr", std::string(65, '1')}}, &q, &error));
  EXPECT_NE(error.find("at most 64"), std::string::npos) << error;
  EXPECT_FALSE(api::ctl::NoArgs({{"x", 1}}, &error));
  EXPECT_TRUE(api::ctl::NoArgs(json::object(), &error));
}

}  // namespace
}  // namespace spamwall
