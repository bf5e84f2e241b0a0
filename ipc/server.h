// A control-socket server: one event-loop thread (epoll) accepts, checks each
// peer's credentials before reading a byte from it, reads requests and writes
// replies without blocking; a small pool of handler threads runs the
// requests. An idle or slow connection costs a descriptor and a few hundred
// bytes, never a thread, and every phase has an absolute deadline:
//   idle     no request begun within idle_timeout_s: closed;
//   request  the first byte to the last within request_timeout_s, or it is
//            answered "truncated request ... (not whole within N s)" and closed;
//   reply    taken whole by the client within reply_timeout_s, or closed.
// Connections are capped overall (max_connections, and never more than the
// descriptor limit allows) and per uid (max_per_uid); root and the server's
// own uid are counted against neither cap but against reserved_slots above
// them, so no other user can lock them out. A handler thread is kept for
// their requests. Framing errors are answered, then the connection is closed;
// a client that hangs up mid-request only ends its own connection.
#ifndef SPAMWALL_IPC_SERVER_H_
#define SPAMWALL_IPC_SERVER_H_

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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
    double request_timeout_s = 5;   // a request, once begun, must arrive whole within this
    double reply_timeout_s = 10;    // a reply must be read whole within this
    double idle_timeout_s = 30;     // a connection with no request begun is closed after this
    uint32_t max_body = kDefaultMaxBody;
    size_t max_connections = 4096;  // lowered to fit RLIMIT_NOFILE at Start
    size_t max_per_uid = 64;        // for uids other than root and the server's
    size_t reserved_slots = 32;     // beyond max_connections, for root and the server's uid
    size_t handler_threads = 4;     // plus one that runs only root's and the server's uid's
  };

  UnixServer();
  UnixServer(const UnixServer&) = delete;
  UnixServer& operator=(const UnixServer&) = delete;
  ~UnixServer();

  bool Start(UniqueFd listening, Options options, PeerCheck check, Handler handler,
             std::string* error);
  // Stops accepting, lets running handlers finish, ends every connection,
  // joins every thread.
  void Stop();

  // The cap in force after Start (max_connections fitted to the descriptor limit).
  size_t connection_cap() const { return options_.max_connections; }
  // Connections open now (a gauge for tests and logs).
  size_t open_connections() const { return open_.load(); }
  // Whether the event loop turned within the last `seconds` (it wakes at
  // least every 100 ms): the watchdog's liveness check.
  bool Alive(double seconds) const;

 private:
  struct Conn;
  struct Job {
    uint64_t conn_id;
    nlohmann::json id;
    Request request;
  };
  struct Done {
    uint64_t conn_id;
    std::string frame;
  };

  void Loop();
  void AcceptSome();
  void OnReadable(Conn* c);
  void OnWritable(Conn* c);
  void Dispatch(Conn* c, Message m, ReadResult r, const std::string& error);
  void QueueReply(Conn* c, std::string frame, bool close_after);
  void TakeDone();
  void Sweep();
  void Close(uint64_t id);
  void WorkerLoop(bool privileged_only);
  bool Privileged(uid_t uid) const;

  Options options_;
  PeerCheck check_;
  Handler handler_;
  UniqueFd listen_, epoll_, wake_;
  uid_t self_ = 0;
  bool running_ = false;
  bool accept_paused_ = false;
  double accept_resume_at_ = 0;
  std::thread loop_;
  std::vector<std::thread> workers_;

  // The loop thread's alone.
  std::map<uint64_t, std::unique_ptr<Conn>> conns_;
  std::map<uid_t, size_t> per_uid_;
  uint64_t next_id_ = 1;
  std::atomic<size_t> open_{0};
  std::atomic<double> last_turn_{0};

  // Shared with the handler threads.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_, privileged_jobs_;
  std::vector<Done> done_;
  bool stopping_ = false;
};

}  // namespace spamwall::proto

#endif  // SPAMWALL_IPC_SERVER_H_
