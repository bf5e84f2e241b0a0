// GET /metrics over HTTP/1.1 on the configured address; every other path is
// 404, every other method 405. One event-loop thread (epoll), no blocking
// reads: a connection must send its request head within header_timeout_s
// of being accepted and take its reply within reply_timeout_s, and at most
// max_connections are open at once (its own descriptor budget: when full,
// the oldest connection still waiting for its request head is closed to make
// room), so idle or slow clients cannot stall scrapes or take the
// descriptors the rest of controld needs.
// One request per connection (Connection: close): Prometheus reconnects.
#ifndef SPAMWALL_CONTROL_CONTROLD_METRICS_SERVER_H_
#define SPAMWALL_CONTROL_CONTROLD_METRICS_SERVER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "ipc/unique_fd.h"

namespace spamwall::controld {

class MetricsServer {
 public:
  struct Options {
    size_t max_connections = 128;
    double header_timeout_s = 5;
    double reply_timeout_s = 10;
  };

  MetricsServer();
  ~MetricsServer();
  // Binds now (so a busy port is a start-up error), serves on a thread. A
  // host that is not a loopback address is warned about on stderr.
  bool Start(const std::string& host, int port, std::function<std::string()> render,
             Options options, std::string* error);
  void Stop();

  size_t open_connections() const { return open_.load(); }
  // Whether the loop turned within the last `seconds` (the watchdog's check).
  bool Alive(double seconds) const;

 private:
  struct Conn;
  void Loop();
  void AcceptSome();
  void OnEvent(Conn* c);
  void Respond(Conn* c);
  void Close(int fd);

  Options options_;
  std::function<std::string()> render_;
  UniqueFd listen_, epoll_, wake_;
  std::thread thread_;
  std::map<int, std::unique_ptr<Conn>> conns_;  // by descriptor; the loop's alone
  std::atomic<size_t> open_{0};
  std::atomic<double> last_turn_{0};
  bool accept_paused_ = false;
  double accept_resume_at_ = 0;
};

// Whether `host` (an address or "localhost") names this machine only.
bool IsLoopbackHost(const std::string& host);

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_METRICS_SERVER_H_
