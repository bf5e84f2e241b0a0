// A control-socket server: accepts on a listening Unix socket, checks each
// peer's credentials before reading a byte from it, and answers every request
// on its own connection thread (a slow or silent client holds up nobody).
// Framing errors are answered, then the connection is closed; a client that
// hangs up mid-request only ends its own connection.
#ifndef SPAMWALL_IPC_SERVER_H_
#define SPAMWALL_IPC_SERVER_H_

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ipc/unix_socket.h"
#include "ipc/wire.h"

namespace spamwall::proto {

// What a handler answers: a result, or an error code (wire.h) and message.
struct Reply {
  nlohmann::json result = nlohmann::json::object();
  std::string code;  // empty: ok
  std::string message;

  static Reply Ok(nlohmann::json r) { return {std::move(r), {}, {}}; }
  static Reply Error(std::string c, std::string m) { return {nullptr, std::move(c), std::move(m)}; }
  bool ok() const { return code.empty(); }
};

struct Request {
  Peer peer;
  std::string cmd;
  nlohmann::json args;  // always an object
  UniqueFd fd;          // attached descriptor, if any
};

class UnixServer {
 public:
  // Returns false with *why when the peer may not talk to this server.
  using PeerCheck = std::function<bool(const Peer&, std::string* why)>;
  using Handler = std::function<Reply(Request&)>;

  struct Options {
    double io_timeout_s = 5;         // a request must arrive whole within this
    double idle_timeout_s = 3600;    // a connection with no request begun is closed after this
    uint32_t max_body = kDefaultMaxBody;
    size_t max_connections = 16;
  };

  UnixServer() = default;
  UnixServer(const UnixServer&) = delete;
  UnixServer& operator=(const UnixServer&) = delete;
  ~UnixServer() { Stop(); }

  bool Start(UniqueFd listening, Options options, PeerCheck check, Handler handler,
             std::string* error);
  // Stops accepting, ends every connection, joins every thread.
  void Stop();

 private:
  struct Connection {
    UniqueFd fd;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  void AcceptLoop();
  void Serve(Connection* c);
  void ReapFinished();

  UniqueFd listen_, wake_read_, wake_write_;
  Options options_;
  PeerCheck check_;
  Handler handler_;
  std::thread acceptor_;
  std::mutex mu_;
  std::list<std::unique_ptr<Connection>> connections_;
  bool running_ = false;
};

}  // namespace spamwall::proto

#endif  // SPAMWALL_IPC_SERVER_H_
