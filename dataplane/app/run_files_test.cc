#include "dataplane/app/run_files.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace spamwall {
namespace {

struct Dir {
  Dir() {
    char t[] = "/tmp/run_files_test.XXXXXX";
    path = mkdtemp(t);
  }
  ~Dir() { std::filesystem::remove_all(path); }
  std::string path;
};

// A capture of `frames` records of 100 bytes, `cut` of them recorded short
// (caplen < len), as a dumper with a small snap length writes them.
void WriteCapture(const std::string& path, int frames, int cut) {
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
  pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
  ASSERT_NE(d, nullptr);
  u_char data[100] = {};
  for (int i = 0; i < frames; i++) {
    pcap_pkthdr h{};
    h.len = 100;
    h.caplen = i < cut ? 60 : 100;
    pcap_dump(reinterpret_cast<u_char*>(d), &h, data);
  }
  pcap_dump_close(d);
  pcap_close(dead);
}

TEST(RunFilesTest, AnOutputMustHoldEveryFrameWrittenAndCutFramesAreReported) {
  Dir dir;
  const std::string f = dir.path + "/o.pcap";
  WriteCapture(f, 5, 2);
  std::vector<std::string> warnings;
  std::string error;
  EXPECT_TRUE(VerifyPcapOutput("--pcap-out", f, 5, &warnings, &error)) << error;
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("2 frames were longer than the capture's snap length"), std::string::npos)
      << warnings[0];
  EXPECT_FALSE(VerifyPcapOutput("--pcap-out", f, 6, &warnings, &error));
  EXPECT_NE(error.find("holds 5 of the 6 frames"), std::string::npos) << error;
  std::filesystem::resize_file(f, std::filesystem::file_size(f) - 30);  // a torn last record
  EXPECT_FALSE(VerifyPcapOutput("--pcap-out", f, 5, &warnings, &error));
  EXPECT_NE(error.find("a full disk?"), std::string::npos) << error;
  EXPECT_TRUE(VerifyPcapOutput("--pcap-out", "/dev/null", 5, &warnings, &error)) << "not a file";
}

TEST(RunFilesTest, OutputsAreComparedWithInputsAndEachOtherByIdentity) {
  Dir dir;
  const std::string in = dir.path + "/in", out = dir.path + "/out";
  std::ofstream(in) << "x";
  std::string error;
  EXPECT_TRUE(CheckDistinctFiles({{"--in", in}}, {{"--out", out}, {"--stats", ""}}, &error)) << error;
  EXPECT_FALSE(CheckDistinctFiles({{"--in", in}}, {{"--out", dir.path + "/../" +
                                                                std::filesystem::path(dir.path).filename().string() +
                                                                "/in"}},
                                  &error));
  EXPECT_NE(error.find("--out and --in are the same file"), std::string::npos) << error;
  std::filesystem::create_hard_link(in, dir.path + "/hard");
  EXPECT_FALSE(CheckDistinctFiles({{"--in", in}}, {{"--out", dir.path + "/hard"}}, &error));
  EXPECT_FALSE(CheckDistinctFiles({}, {{"--a", out}, {"--b", out}}, &error)) << "neither exists yet";
  EXPECT_NE(error.find("--b and --a are the same file"), std::string::npos) << error;
  EXPECT_TRUE(CheckDistinctFiles({}, {{"--a", "/dev/null"}, {"--b", "/dev/null"}}, &error)) << error;
}

}  // namespace
}  // namespace spamwall
