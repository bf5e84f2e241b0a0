// GET /metrics over HTTP (cpp-httplib) on the configured local address;
// every other path is 404.
#ifndef SPAMWALL_CONTROL_CONTROLD_METRICS_SERVER_H_
#define SPAMWALL_CONTROL_CONTROLD_METRICS_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib { class Server; }

namespace spamwall::controld {

class MetricsServer {
 public:
  MetricsServer();
  ~MetricsServer();
  // Binds now (so a busy port is a start-up error), serves on a thread.
  bool Start(const std::string& host, int port, std::function<std::string()> render,
             std::string* error);
  void Stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_METRICS_SERVER_H_
