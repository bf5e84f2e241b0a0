#include "control/controld/metrics_server.h"

#include <httplib.h>

namespace spamwall::controld {

MetricsServer::MetricsServer() = default;
MetricsServer::~MetricsServer() { Stop(); }

bool MetricsServer::Start(const std::string& host, int port, std::function<std::string()> render,
                          std::string* error) {
  server_ = std::make_unique<httplib::Server>();
  server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  server_->Get("/metrics", [render](const httplib::Request&, httplib::Response& res) {
    res.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  if (!server_->bind_to_port(host, port)) {
    *error = "cannot listen for Prometheus on " + host + ":" + std::to_string(port) +
             " (address in use or not local?)";
    server_.reset();
    return false;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return true;
}

void MetricsServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace spamwall::controld
