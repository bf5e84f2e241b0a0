#include "ipc/server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

namespace spamwall::proto {

bool UnixServer::Start(UniqueFd listening, Options options, PeerCheck check, Handler handler,
                       std::string* error) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    *error = "pipe failed";
    return false;
  }
  wake_read_.Reset(p[0]);
  wake_write_.Reset(p[1]);
  listen_ = std::move(listening);
  options_ = options;
  check_ = std::move(check);
  handler_ = std::move(handler);
  running_ = true;
  acceptor_ = std::thread([this] { AcceptLoop(); });
  return true;
}

void UnixServer::Stop() {
  if (!running_) return;
  running_ = false;
  (void)!write(wake_write_.get(), "x", 1);
  acceptor_.join();
  std::list<std::unique_ptr<Connection>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& c : connections_) shutdown(c->fd.get(), SHUT_RDWR);  // wakes blocked reads
    all.swap(connections_);
  }
  for (auto& c : all) c->thread.join();
  listen_.Reset();
}

void UnixServer::ReapFinished() {
  std::list<std::unique_ptr<Connection>> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      if ((*it)->done.load()) {
        finished.push_back(std::move(*it));
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : finished) c->thread.join();
}

void UnixServer::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listen_.get(), POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
    if (poll(fds, 2, 1000) < 0 && errno != EINTR) return;
    if (fds[1].revents) return;
    ReapFinished();
    if (!(fds[0].revents & POLLIN)) continue;
    UniqueFd fd(accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd.valid()) continue;
    SetTimeouts(fd.get(), options_.io_timeout_s);
    std::lock_guard<std::mutex> lock(mu_);
    if (connections_.size() >= options_.max_connections) {
      std::string ignored;
      WriteMessage(fd.get(),
                   ErrorReply(nullptr, kUnavailable,
                              "too many control connections (" +
                                  std::to_string(options_.max_connections) + "); try again"),
                   -1, &ignored);
      continue;
    }
    auto c = std::make_unique<Connection>();
    c->fd = std::move(fd);
    Connection* raw = c.get();
    connections_.push_back(std::move(c));
    raw->thread = std::thread([this, raw] {
      Serve(raw);
      raw->done.store(true);
    });
  }
}

void UnixServer::Serve(Connection* c) {
  const int sock = c->fd.get();
  std::string error;
  Peer peer;
  if (!PeerOf(sock, &peer, &error)) return;
  std::string why;
  if (!check_(peer, &why)) {
    WriteMessage(sock, ErrorReply(nullptr, kForbidden, why), -1, &error);
    return;
  }
  for (;;) {
    // Between requests a connection may idle (controld keeps one open to the
    // dataplane); once a request begins, it must arrive within io_timeout_s.
    pollfd pfd{sock, POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(options_.idle_timeout_s * 1000));
    if (ready == 0 || (ready < 0 && errno != EINTR)) return;
    Message m;
    ReadResult r = ReadMessage(sock, &m, &error, options_.max_body);
    if (r == ReadResult::kClosed) return;
    if (r == ReadResult::kBadHeader) {
      std::string ignored;
      WriteMessage(sock, ErrorReply(nullptr, kBadRequest, error), -1, &ignored);
      return;  // the stream can no longer be trusted to be framed
    }
    nlohmann::json id = nullptr;
    if (r == ReadResult::kOk && m.body.contains("id")) id = m.body["id"];
    Reply reply;
    if (r == ReadResult::kBadBody) {
      reply = Reply::Error(kBadRequest, error);
    } else if (!m.body.contains("cmd") || !m.body["cmd"].is_string()) {
      reply = Reply::Error(kBadRequest, "malformed request: no \"cmd\" string");
    } else if (m.body.contains("args") && !m.body["args"].is_object()) {
      reply = Reply::Error(kBadRequest, "malformed request: \"args\" must be an object");
    } else {
      Request req{peer, m.body["cmd"].get<std::string>(),
                  m.body.value("args", nlohmann::json::object()), std::move(m.fd)};
      try {
        reply = handler_(req);
      } catch (const std::exception& e) {
        reply = Reply::Error(kInternal, std::string("internal error: ") + e.what());
      }
    }
    nlohmann::json out = reply.ok() ? OkReply(id, std::move(reply.result))
                                    : ErrorReply(id, reply.code, reply.message);
    if (!WriteMessage(sock, out, -1, &error)) return;
  }
}

}  // namespace spamwall::proto
