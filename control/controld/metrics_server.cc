#include "control/controld/metrics_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

namespace spamwall::controld {

namespace {

constexpr size_t kMaxHead = 8192;  // request line and headers; Prometheus sends ~300 bytes

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string Response(int code, const char* reason, const std::string& type,
                     const std::string& body, bool head_only = false) {
  char h[256];
  snprintf(h, sizeof h,
           "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
           code, reason, type.c_str(), body.size());
  return head_only ? std::string(h) : h + body;
}

}  // namespace

struct MetricsServer::Conn {
  UniqueFd fd;
  std::string in, out;
  size_t out_sent = 0;
  bool writing = false;
  double accepted = 0, deadline = 0;
};

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  std::string bare = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  if (inet_pton(AF_INET6, bare.c_str(), &v6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  return false;
}

MetricsServer::MetricsServer() = default;
MetricsServer::~MetricsServer() { Stop(); }

bool MetricsServer::Start(const std::string& host, int port, std::function<std::string()> render,
                          Options options, std::string* error) {
  options_ = options;
  render_ = std::move(render);
  const std::string where = host + ":" + std::to_string(port);
  std::string bare = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  addrinfo hints{}, *found = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  if (getaddrinfo(bare.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found) {
    *error = "cannot listen for Prometheus on " + where + ": not an address";
    return false;
  }
  UniqueFd fd(socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const bool bound = fd.valid() && bind(fd.get(), found->ai_addr, found->ai_addrlen) == 0 &&
                     listen(fd.get(), 128) == 0;
  const std::string why = std::strerror(errno);
  freeaddrinfo(found);
  if (!bound) {
    *error = "cannot listen for Prometheus on " + where + ": " + why;
    return false;
  }
  if (!IsLoopbackHost(bare))
    fprintf(stderr,
            "spamwall-controld: warning: metrics on %s are reachable from other machines "
            "(no authentication); use a loopback address unless a firewall guards the port\n",
            where.c_str());
  epoll_.Reset(epoll_create1(EPOLL_CLOEXEC));
  wake_.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!epoll_.valid() || !wake_.valid()) {
    *error = std::string("epoll/eventfd: ") + std::strerror(errno);
    return false;
  }
  listen_ = std::move(fd);
  epoll_event ev{EPOLLIN, {.fd = listen_.get()}};
  epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listen_.get(), &ev);
  ev = {EPOLLIN, {.fd = wake_.get()}};
  epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev);
  last_turn_ = Now();
  thread_ = std::thread([this] { Loop(); });
  return true;
}

void MetricsServer::Stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof one);
  thread_.join();
  conns_.clear();
  open_ = 0;
  listen_.Reset();
  epoll_.Reset();
  wake_.Reset();
}

bool MetricsServer::Alive(double seconds) const {
  return !thread_.joinable() || Now() - last_turn_.load() < seconds;
}

void MetricsServer::Loop() {
  epoll_event events[64];
  for (;;) {
    int n = epoll_wait(epoll_.get(), events, 64, 100);
    if (n < 0 && errno != EINTR) return;
    last_turn_ = Now();
    for (int i = 0; i < n; i++) {
      const int fd = events[i].data.fd;
      if (fd == wake_.get()) return;
      if (fd == listen_.get()) {
        AcceptSome();
        continue;
      }
      auto it = conns_.find(fd);
      if (it != conns_.end()) OnEvent(it->second.get());
    }
    // Deadlines: the head within header_timeout_s, the reply taken within
    // reply_timeout_s; a late one is simply closed.
    const double now = Now();
    std::vector<int> late;
    for (auto& [fd, c] : conns_)
      if (now > c->deadline) late.push_back(fd);
    for (int fd : late) Close(fd);
    // Published once a turn, not per close or accept: an eviction closes one
    // and accepts another, and a reader must never see the count in between.
    open_ = conns_.size();
    if (accept_paused_ && now >= accept_resume_at_) {
      epoll_event ev{EPOLLIN, {.fd = listen_.get()}};
      epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listen_.get(), &ev);
      accept_paused_ = false;
    }
  }
}

void MetricsServer::AcceptSome() {
  for (int i = 0; i < 64; i++) {
    UniqueFd fd(accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd.valid()) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listen_.get(), nullptr);  // no spinning
        accept_paused_ = true;
        accept_resume_at_ = Now() + 0.1;
      }
      return;
    }
    // Full: the oldest connection still without a whole request head makes
    // room (a scraper sends its head at once; an idle or trickling client
    // is the one that waits), so a flood of idle connections cannot keep a
    // scrape out. Only when every slot is writing a reply is this one refused.
    if (conns_.size() >= options_.max_connections) {
      Conn* oldest = nullptr;
      for (auto& [_, c] : conns_)
        if (!c->writing && (!oldest || c->accepted < oldest->accepted)) oldest = c.get();
      if (oldest) Close(oldest->fd.get());
    }
    if (conns_.size() >= options_.max_connections) {
      const std::string busy = Response(503, "Service Unavailable", "text/plain",
                                        "too many metrics connections\n");
      (void)!send(fd.get(), busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      continue;
    }
    auto c = std::make_unique<Conn>();
    c->accepted = Now();
    c->deadline = c->accepted + options_.header_timeout_s;
    epoll_event ev{EPOLLIN, {.fd = fd.get()}};
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd.get(), &ev) != 0) continue;
    c->fd = std::move(fd);
    conns_.emplace(c->fd.get(), std::move(c));
  }
}

void MetricsServer::OnEvent(Conn* c) {
  if (!c->writing) {
    char buf[2048];
    ssize_t r = recv(c->fd.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (r <= 0) {
      Close(c->fd.get());
      return;
    }
    c->in.append(buf, static_cast<size_t>(r));
    if (c->in.find("\r\n\r\n") == std::string::npos && c->in.find("\n\n") == std::string::npos) {
      if (c->in.size() <= kMaxHead) return;
      c->out = Response(431, "Request Header Fields Too Large", "text/plain", "request head too large\n");
    } else {
      Respond(c);
    }
    c->writing = true;
    c->deadline = Now() + options_.reply_timeout_s;
    epoll_event ev{EPOLLOUT, {.fd = c->fd.get()}};
    epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c->fd.get(), &ev);
  }
  while (c->out_sent < c->out.size()) {
    ssize_t r = send(c->fd.get(), c->out.data() + c->out_sent, c->out.size() - c->out_sent,
                     MSG_NOSIGNAL | MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (r <= 0) break;
    c->out_sent += static_cast<size_t>(r);
  }
  Close(c->fd.get());
}

void MetricsServer::Respond(Conn* c) {
  const std::string line = c->in.substr(0, c->in.find_first_of("\r\n"));
  const size_t sp1 = line.find(' '), sp2 = line.find(' ', sp1 + 1);
  const std::string method = line.substr(0, sp1);
  const std::string target = sp1 == std::string::npos ? "" : line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string path = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD")
    c->out = Response(405, "Method Not Allowed", "text/plain", "only GET /metrics\n");
  else if (path != "/metrics")
    c->out = Response(404, "Not Found", "text/plain", "only /metrics\n", method == "HEAD");
  else
    c->out = Response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", render_(),
                      method == "HEAD");
}

void MetricsServer::Close(int fd) {
  conns_.erase(fd);  // closing the descriptor takes it out of epoll
}

}  // namespace spamwall::controld
