// libFuzzer target: any bytes as the stream a control connection reads
// (ipc/wire.h, docs/control-protocol.md), through real sockets.
//
// 1. ReadMessage: the bytes go into one end of an AF_UNIX socketpair, which is
//    then shut down for writing; ReadMessage reads the other end until it says
//    kClosed or kBadHeader. A model of the framing, written from the spec,
//    predicts every result: a message is kOk exactly when its header is
//    intact, no descriptor is announced (none can ride along here) and its
//    body is a JSON object nested at most kMaxJsonDepth deep, which
//    ReadMessage must then return unchanged.
//    Every refusal must say why in words.
// 2. The server: a UnixServer (ipc/server.h, one per process, on
//    a socket in a temporary directory) gets the same bytes from a client
//    connection and must answer every message the model sees begin with one
//    well-formed reply (error replies for refusals, then close after a
//    framing error) and never crash.
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "ipc/server.h"
#include "ipc/unix_socket.h"
#include "ipc/wire.h"

namespace {

namespace proto = spamwall::proto;

constexpr uint32_t kMaxBody = 4096;
constexpr size_t kMaxInput = 64 * 1024;  // well inside a socket buffer

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "control_wire_fuzz: %s\n", what);
    std::abort();
  }
}

uint32_t Get32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// Levels of arrays and objects: {} is 1.
int Depth(const nlohmann::json& v) {
  if (!v.is_structured()) return 0;
  int deepest = 0;
  for (const auto& e : v) deepest = std::max(deepest, Depth(e));
  return deepest + 1;
}

// What the spec says ReadMessage returns for the message at data[at..).
struct Expected {
  proto::ReadResult result;
  size_t next;  // where the following message begins
  nlohmann::json body;
};

Expected Model(const uint8_t* data, size_t size, size_t at, uint32_t max_body) {
  const size_t left = size - at;
  if (left == 0) return {proto::ReadResult::kClosed, at, nullptr};
  if (left < proto::kHeaderBytes) return {proto::ReadResult::kBadHeader, size, nullptr};
  const uint8_t* h = data + at;
  const uint16_t version = static_cast<uint16_t>(h[4] | h[5] << 8);
  const uint16_t flags = static_cast<uint16_t>(h[6] | h[7] << 8);
  const uint32_t length = Get32(h + 8);
  if (std::memcmp(h, "SWCP", 4) != 0 || version != proto::kProtocolVersion || length > max_body ||
      left - proto::kHeaderBytes < length)
    return {proto::ReadResult::kBadHeader, size, nullptr};
  const size_t next = at + proto::kHeaderBytes + length;
  if (flags & proto::kFlagFd) return {proto::ReadResult::kBadBody, next, nullptr};
  auto body = nlohmann::json::parse(h + proto::kHeaderBytes, h + proto::kHeaderBytes + length,
                                    nullptr, false);
  if (body.is_discarded() || !body.is_object() || Depth(body) > proto::kMaxJsonDepth)
    return {proto::ReadResult::kBadBody, next, nullptr};
  return {proto::ReadResult::kOk, next, std::move(body)};
}

// Writes all of data[0..size) without blocking (it fits the socket buffer),
// then ends the stream.
void Feed(int sock, const uint8_t* data, size_t size) {
  for (size_t sent = 0; sent < size;) {
    ssize_t r = send(sock, data + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;  // the peer went away (server mode): what is sent is sent
    sent += static_cast<size_t>(r);
  }
  shutdown(sock, SHUT_WR);
}

void ReaderMode(const uint8_t* data, size_t size) {
  int sv[2];
  Check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
  spamwall::UniqueFd writer(sv[0]), reader(sv[1]);
  proto::SetTimeouts(reader.get(), 1);
  Feed(writer.get(), data, size);
  size_t at = 0;
  for (;;) {
    const Expected want = Model(data, size, at, kMaxBody);
    proto::Message m;
    std::string error;
    const proto::ReadResult r = proto::ReadMessage(reader.get(), &m, &error, kMaxBody);
    Check(r == want.result, "ReadMessage disagrees with the framing model");
    Check(!m.fd.valid(), "a descriptor appeared from nowhere");
    switch (r) {
      case proto::ReadResult::kOk:
        Check(m.body.is_object() && m.body == want.body, "kOk without the body that was sent");
        break;
      case proto::ReadResult::kClosed:
        return;
      case proto::ReadResult::kBadHeader:
        Check(!error.empty(), "kBadHeader without a reason");
        return;
      case proto::ReadResult::kBadBody:
        Check(!error.empty(), "kBadBody without a reason");
        break;
    }
    at = want.next;
  }
}

// One server for the whole process, on a socket in a temporary directory.
struct Server {
  std::string dir, path;
  proto::UnixServer server;

  Server() {
    char tmpl[] = "/tmp/control_wire_fuzz.XXXXXX";
    Check(mkdtemp(tmpl) != nullptr, "mkdtemp");
    dir = tmpl;
    path = dir + "/control.sock";
    std::string error;
    spamwall::UniqueFd listening = proto::ListenUnix(path, 0600, "", &error);
    Check(listening.valid(), "listen");
    proto::UnixServer::Options options;
    options.request_timeout_s = 2;
    options.idle_timeout_s = 2;
    options.max_body = kMaxBody;
    options.max_connections = 64;
    auto allow = [](const proto::Peer&, std::string*) { return true; };
    auto handler = [](proto::Request& req) -> proto::Reply {
      if (req.cmd == "fail") return proto::Reply::Error(proto::kRefused, "refused on request");
      if (req.cmd == "throw") throw std::runtime_error("thrown on request");
      return proto::Reply::Ok({{"cmd", req.cmd}, {"args", req.args}});
    };
    Check(server.Start(std::move(listening), options, allow, handler, &error), "server start");
    std::atexit([] {
      // Join the server's threads (a connection that ended after the last
      // reap would otherwise be a thread leak for ThreadSanitizer), and
      // leave no socket behind.
      Instance().server.Stop();
      unlink(Instance().path.c_str());
      rmdir(Instance().dir.c_str());
    });
  }
  static Server& Instance() {
    static Server* s = new Server;  // never destroyed: stopped by the atexit handler above
    return *s;
  }
};

void ServerMode(const uint8_t* data, size_t size) {
  Server& s = Server::Instance();
  std::string error;
  spamwall::UniqueFd client = proto::ConnectUnix(s.path, 5, &error);
  Check(client.valid(), "connect");
  Feed(client.get(), data, size);
  // One reply for each message the model sees begin; the server closes after
  // a framing error.
  size_t at = 0;
  for (;;) {
    const Expected want = Model(data, size, at, kMaxBody);
    if (want.result == proto::ReadResult::kClosed) return;
    proto::Message reply;
    const proto::ReadResult r = proto::ReadMessage(client.get(), &reply, &error);
    Check(r == proto::ReadResult::kOk, "the server did not answer a message");
    const auto& b = reply.body;
    Check(b.contains("ok") && b["ok"].is_boolean() && b.contains("id"), "a reply without ok or id");
    if (!b["ok"].get<bool>()) {
      Check(b.contains("error") && b["error"].is_object() && b["error"].contains("code") &&
                b["error"]["code"].is_string() && b["error"].contains("message") &&
                b["error"]["message"].is_string(),
            "an error reply without code and message");
      // A full server turns the connection away: nothing more to check.
      if (b["error"]["code"] == proto::kUnavailable) return;
      Check(!b["error"]["message"].get<std::string>().empty(), "an error reply with no message");
    }
    const bool should_fail = want.result != proto::ReadResult::kOk ||
                             !want.body.contains("cmd") || !want.body["cmd"].is_string() ||
                             (want.body.contains("args") && !want.body["args"].is_object()) ||
                             want.body["cmd"] == "fail" || want.body["cmd"] == "throw";
    Check(b["ok"].get<bool>() != should_fail, "the server judged a request wrongly");
    if (want.result == proto::ReadResult::kOk && want.body.contains("id"))
      Check(b["id"] == want.body["id"], "the reply does not echo the id");
    if (want.result == proto::ReadResult::kBadHeader) return;
    at = want.next;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  ReaderMode(data, size);
  ServerMode(data, size);
  return 0;
}
