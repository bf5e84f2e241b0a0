#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "ipc/client.h"
#include "ipc/server.h"

namespace spamwall::proto {
namespace {

class ProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("swproto-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "ctl.sock").string();
  }
  void TearDown() override {
    server_.Stop();
    std::filesystem::remove_all(dir_);
  }
  void StartServer(UnixServer::PeerCheck check = [](const Peer&, std::string*) { return true; }) {
    std::string error;
    UniqueFd fd = ListenUnix(path_, 0660, "", &error);
    ASSERT_TRUE(fd.valid()) << error;
    UnixServer::Options o;
    o.request_timeout_s = 0.3;
    o.max_body = 4096;
    ASSERT_TRUE(server_.Start(std::move(fd), o, check,
                              [](Request& r) -> Reply {
                                if (r.cmd == "echo") return Reply::Ok(r.args);
                                if (r.cmd == "who") return Reply::Ok({{"uid", r.peer.uid}});
                                if (r.cmd == "readfd") {
                                  if (!r.fd.valid()) return Reply::Error(kBadRequest, "no fd");
                                  char buf[16] = {};
                                  ssize_t n = pread(r.fd.get(), buf, sizeof buf - 1, 0);
                                  return Reply::Ok({{"text", std::string(buf, n > 0 ? n : 0)}});
                                }
                                if (r.cmd == "throw") throw std::runtime_error("boom");
                                return Reply::Error(kBadRequest, "unknown command '" + r.cmd + "'");
                              },
                              &error))
        << error;
  }
  // A raw connection for hand-made frames.
  UniqueFd Raw() {
    std::string error;
    UniqueFd fd = ConnectUnix(path_, 2, &error);
    EXPECT_TRUE(fd.valid()) << error;
    return fd;
  }
  static std::string Header(uint32_t length, uint16_t version = kProtocolVersion) {
    std::string h = "SWCP";
    h += static_cast<char>(version & 0xff);
    h += static_cast<char>(version >> 8);
    h += std::string(2, '\0');
    for (int i = 0; i < 4; i++) h += static_cast<char>(length >> (8 * i));
    h += std::string(4, '\0');
    return h;
  }
  static nlohmann::json ReadReply(int fd) {
    Message m;
    std::string error;
    EXPECT_EQ(ReadMessage(fd, &m, &error), ReadResult::kOk) << error;
    return m.body;
  }
  bool StillServes() {
    Client c;
    std::string error;
    nlohmann::json reply;
    return c.Connect(path_, 2, &error) && c.Call("echo", {{"x", 1}}, &reply, &error) &&
           reply["ok"] == true && reply["result"]["x"] == 1;
  }

  std::filesystem::path dir_;
  std::string path_;
  UnixServer server_;
};

TEST_F(ProtocolTest, RequestsAreAnsweredInOrderWithTheirIds) {
  StartServer();
  Client c;
  std::string error;
  ASSERT_TRUE(c.Connect(path_, 2, &error)) << error;
  for (int i = 0; i < 3; i++) {
    nlohmann::json reply;
    ASSERT_TRUE(c.Call("echo", {{"n", i}}, &reply, &error)) << error;
    EXPECT_EQ(reply["ok"], true);
    EXPECT_EQ(reply["id"], i + 1);
    EXPECT_EQ(reply["result"]["n"], i);
  }
  nlohmann::json reply;
  ASSERT_TRUE(c.Call("nope", {}, &reply, &error));
  EXPECT_EQ(ReplyError(reply), "unknown command 'nope'");
  ASSERT_TRUE(c.Call("throw", {}, &reply, &error));
  EXPECT_EQ(reply["error"]["code"], kInternal);
  ASSERT_TRUE(c.Call("who", {}, &reply, &error));
  EXPECT_EQ(reply["result"]["uid"], getuid());
}

TEST_F(ProtocolTest, SocketFileGetsTheConfiguredMode) {
  StartServer();
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST_F(ProtocolTest, ListenRefusesToReplaceARegularFile) {
  std::string other = (dir_ / "file").string(), error;
  { FILE* f = fopen(other.c_str(), "w"); fclose(f); }
  EXPECT_FALSE(ListenUnix(other, 0660, "", &error).valid());
  EXPECT_NE(error.find("is not a socket"), std::string::npos) << error;
  EXPECT_FALSE(ListenUnix(path_, 0660, "no-such-group-spamwall", &error).valid());
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
}

TEST_F(ProtocolTest, AFileDescriptorRidesAlong) {
  StartServer();
  int mfd = memfd_create("t", MFD_CLOEXEC);
  ASSERT_EQ(write(mfd, "hello", 5), 5);
  Client c;
  std::string error;
  nlohmann::json reply;
  ASSERT_TRUE(c.Connect(path_, 2, &error));
  ASSERT_TRUE(c.Call("readfd", {}, &reply, &error, mfd)) << error;
  EXPECT_EQ(reply["result"]["text"], "hello");
  ASSERT_TRUE(c.Call("readfd", {}, &reply, &error)) << error;
  EXPECT_EQ(ReplyError(reply), "no fd");
  close(mfd);
}

TEST_F(ProtocolTest, MalformedBodyIsAnsweredAndTheConnectionGoesOn) {
  StartServer();
  UniqueFd fd = Raw();
  std::string bad = Header(9) + "{not json";
  ASSERT_EQ(send(fd.get(), bad.data(), bad.size(), 0), static_cast<ssize_t>(bad.size()));
  nlohmann::json reply = ReadReply(fd.get());
  EXPECT_EQ(reply["error"]["code"], kBadRequest);
  EXPECT_NE(ReplyError(reply).find("not valid JSON"), std::string::npos) << reply;
  std::string arr = Header(2) + "[]";
  send(fd.get(), arr.data(), arr.size(), 0);
  EXPECT_NE(ReplyError(ReadReply(fd.get())).find("must be a JSON object"), std::string::npos);
  std::string nocmd = Header(7) + "{\"x\":1}";
  send(fd.get(), nocmd.data(), nocmd.size(), 0);
  EXPECT_NE(ReplyError(ReadReply(fd.get())).find("no \"cmd\""), std::string::npos);
}

// A body of nested brackets once crashed the process: the server copies and
// dumps the id it echoes, once per level (a 200 KB request was enough).
TEST_F(ProtocolTest, DeeplyNestedBodyIsRefusedAndTheConnectionGoesOn) {
  StartServer();
  UniqueFd fd = Raw();
  auto nested = [](int depth) {
    return "{\"cmd\":\"echo\",\"args\":{},\"id\":" + std::string(depth - 1, '[') +
           std::string(depth - 1, ']') + "}";
  };
  std::string deep = nested(kMaxJsonDepth + 1);
  deep = Header(static_cast<uint32_t>(deep.size())) + deep;
  ASSERT_EQ(send(fd.get(), deep.data(), deep.size(), 0), static_cast<ssize_t>(deep.size()));
  nlohmann::json reply = ReadReply(fd.get());
  EXPECT_EQ(reply["error"]["code"], kBadRequest);
  EXPECT_NE(ReplyError(reply).find("nested deeper than 64"), std::string::npos) << reply;
  std::string ok = nested(kMaxJsonDepth);
  ok = Header(static_cast<uint32_t>(ok.size())) + ok;
  ASSERT_EQ(send(fd.get(), ok.data(), ok.size(), 0), static_cast<ssize_t>(ok.size()));
  EXPECT_EQ(ReadReply(fd.get())["ok"], true);
  // Brackets inside strings do not count.
  std::string text = "{\"cmd\":\"echo\",\"args\":{\"s\":\"" + std::string(100, '[') + "\"}}";
  text = Header(static_cast<uint32_t>(text.size())) + text;
  ASSERT_EQ(send(fd.get(), text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));
  EXPECT_EQ(ReadReply(fd.get())["ok"], true);
  EXPECT_TRUE(StillServes());
}

TEST_F(ProtocolTest, WrongVersionOrMagicIsRefused) {
  StartServer();
  {
    UniqueFd fd = Raw();
    std::string h = Header(2, 7) + "{}";
    send(fd.get(), h.data(), h.size(), 0);
    EXPECT_NE(ReplyError(ReadReply(fd.get())).find("protocol version 7 is not supported"),
              std::string::npos);
  }
  {
    UniqueFd fd = Raw();
    std::string h = "GET / HTTP/1.0\r\n\r\n";
    send(fd.get(), h.data(), h.size(), 0);
    EXPECT_NE(ReplyError(ReadReply(fd.get())).find("bad magic"), std::string::npos);
  }
  EXPECT_TRUE(StillServes());
}

TEST_F(ProtocolTest, OversizedRequestIsRefusedUnread) {
  StartServer();
  const std::string big = Header(100u << 20) + std::string(100u << 20, 'x');  // 100 MiB
  UniqueFd fd = Raw();
  std::thread writer([&] { (void)!send(fd.get(), big.data(), big.size(), MSG_NOSIGNAL); });
  nlohmann::json reply = ReadReply(fd.get());
  writer.join();
  EXPECT_EQ(reply["error"]["code"], kBadRequest);
  EXPECT_NE(ReplyError(reply).find("exceeds the limit of 4096 bytes"), std::string::npos) << reply;
  EXPECT_TRUE(StillServes());
}

TEST_F(ProtocolTest, TruncatedRequestTimesOutWithAnAnswer) {
  StartServer();
  UniqueFd fd = Raw();
  std::string part = Header(100) + "{\"cmd\":";
  send(fd.get(), part.data(), part.size(), 0);
  nlohmann::json reply = ReadReply(fd.get());  // after the server's 0.3 s deadline
  EXPECT_NE(ReplyError(reply).find("truncated request: 7 of 100 body bytes (not whole within 0.3 s)"),
            std::string::npos)
      << reply;
  EXPECT_TRUE(StillServes());
}

TEST_F(ProtocolTest, ClientHangingUpMidRequestHarmsNothing) {
  StartServer();
  for (int i = 0; i < 12; i++) {
    UniqueFd fd = Raw();
    std::string part = Header(50).substr(0, i + 1);
    send(fd.get(), part.data(), part.size(), 0);
  }  // closed mid-header
  {
    UniqueFd fd = Raw();
    std::string part = Header(50) + "{\"cmd\"";
    send(fd.get(), part.data(), part.size(), 0);
  }  // closed mid-body
  EXPECT_TRUE(StillServes());
}

TEST_F(ProtocolTest, ForbiddenPeerGetsAReasonAndNothingElse) {
  StartServer([](const Peer& p, std::string* why) {
    *why = "peer " + p.ToString() + " is not allowed";
    return false;
  });
  Client c;
  std::string error;
  nlohmann::json reply;
  ASSERT_TRUE(c.Connect(path_, 2, &error));
  ASSERT_TRUE(c.Call("echo", {}, &reply, &error)) << error;
  EXPECT_EQ(reply["error"]["code"], kForbidden);
  EXPECT_NE(ReplyError(reply).find("is not allowed"), std::string::npos);
}

TEST_F(ProtocolTest, ClientReportsAMissingServer) {
  Client c;
  std::string error;
  EXPECT_FALSE(c.Connect(path_, 1, &error));
  EXPECT_NE(error.find("cannot connect to " + path_), std::string::npos) << error;
}

}  // namespace
}  // namespace spamwall::proto

namespace spamwall::proto {
namespace {

TEST(LookupGroupTest, NamesAndNumericGids) {
  gid_t gid = 1;
  EXPECT_TRUE(LookupGroup("root", &gid));
  EXPECT_EQ(gid, 0u);
  EXPECT_TRUE(LookupGroup("4242", &gid));  // a gid is taken as is, named or not
  EXPECT_EQ(gid, 4242u);
  EXPECT_FALSE(LookupGroup("4294967295", &gid));  // (gid_t)-1
  EXPECT_FALSE(LookupGroup("99999999999", &gid));
  EXPECT_FALSE(LookupGroup("no-such-group-spamwall", &gid));
  EXPECT_FALSE(LookupGroup("-1", &gid));
}

}  // namespace
}  // namespace spamwall::proto
