#include "ipc/server.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace spamwall::proto {

namespace {

// epoll tags: connection ids start above these.
constexpr uint64_t kListenTag = 0, kWakeTag = 1, kFirstConnId = 2;
constexpr double kSweepEvery_s = 0.1;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// "truncated request: 7 of 100 body bytes (WHY)", as ReadMessage says it.
std::string Truncated(size_t head_got, size_t body_got, uint32_t length, const std::string& why) {
  const bool in_header = head_got < kHeaderBytes;
  return "truncated request: " + std::to_string(in_header ? head_got : body_got) + " of " +
         std::to_string(in_header ? kHeaderBytes : length) + (in_header ? " header" : " body") +
         " bytes (" + why + ")";
}

std::string Seconds(double s) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

}  // namespace

struct UnixServer::Conn {
  enum class State { kReading, kHandling, kWriting };
  uint64_t id = 0;
  UniqueFd fd;
  Peer peer;
  bool privileged = false;
  State state = State::kReading;
  uint32_t events = 0;  // what epoll watches; 0: not registered
  double deadline = 0;  // of the current phase (idle, request or reply)
  // The request being read.
  uint8_t head[kHeaderBytes];
  size_t head_got = 0;
  Header header;
  std::string body;
  size_t body_got = 0;
  UniqueFd passed;
  // The reply being written.
  std::string out;
  size_t out_sent = 0;
  bool close_after = false;

  bool begun() const { return head_got > 0; }
  void ResetRead() {
    head_got = body_got = 0;
    std::string().swap(body);  // an idle connection keeps no body buffer
    passed.Reset();
  }
};

UnixServer::UnixServer() = default;
UnixServer::~UnixServer() { Stop(); }

bool UnixServer::Start(UniqueFd listening, Options options, PeerCheck check, Handler handler,
                       std::string* error) {
  options_ = options;
  // Never promise more connections than there are descriptors: the rest of
  // the process needs some too (files, the dataplane link).
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY) {
    const size_t spare = options_.reserved_slots + 64;
    const size_t fit = nofile.rlim_cur > spare ? nofile.rlim_cur - spare : 1;
    if (options_.max_connections > fit) options_.max_connections = fit;
  }
  if (options_.max_per_uid == 0) options_.max_per_uid = 1;
  epoll_.Reset(epoll_create1(EPOLL_CLOEXEC));
  wake_.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!epoll_.valid() || !wake_.valid()) {
    *error = std::string("epoll/eventfd: ") + std::strerror(errno);
    return false;
  }
  // accept4 must never block the loop: the listener is non-blocking too.
  fcntl(listening.get(), F_SETFL, fcntl(listening.get(), F_GETFL) | O_NONBLOCK);
  epoll_event ev{EPOLLIN, {.u64 = kWakeTag}};
  epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev);
  ev = {EPOLLIN, {.u64 = kListenTag}};
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listening.get(), &ev) != 0) {
    *error = std::string("epoll_ctl: ") + std::strerror(errno);
    return false;
  }
  listen_ = std::move(listening);
  check_ = std::move(check);
  handler_ = std::move(handler);
  self_ = geteuid();
  stopping_ = false;
  running_ = true;
  last_turn_ = Now();
  loop_ = std::thread([this] { Loop(); });
  for (size_t i = 0; i < options_.handler_threads; i++)
    workers_.emplace_back([this] { WorkerLoop(false); });
  workers_.emplace_back([this] { WorkerLoop(true); });
  return true;
}

void UnixServer::Stop() {
  if (!running_) return;
  running_ = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    jobs_.clear();
    privileged_jobs_.clear();
  }
  cv_.notify_all();
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof one);
  for (auto& w : workers_) w.join();  // a running handler finishes first
  workers_.clear();
  loop_.join();
  conns_.clear();
  open_.store(0);
  per_uid_.clear();
  done_.clear();
  listen_.Reset();
  epoll_.Reset();
  wake_.Reset();
}

bool UnixServer::Alive(double seconds) const {
  return Now() - last_turn_.load() < seconds;
}

bool UnixServer::Privileged(uid_t uid) const { return uid == 0 || uid == self_; }

void UnixServer::Loop() {
  epoll_event events[256];
  double last_sweep = Now();
  for (;;) {
    int n = epoll_wait(epoll_.get(), events, 256, static_cast<int>(kSweepEvery_s * 1000));
    if (n < 0 && errno != EINTR) return;
    last_turn_ = Now();
    for (int i = 0; i < n; i++) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kWakeTag) {
        uint64_t count;
        (void)!read(wake_.get(), &count, sizeof count);
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (stopping_) return;
        }
        TakeDone();
      } else if (tag == kListenTag) {
        AcceptSome();
      } else {
        auto it = conns_.find(tag);
        if (it == conns_.end()) continue;
        Conn* c = it->second.get();
        if (c->state == Conn::State::kReading) OnReadable(c);
        else if (c->state == Conn::State::kWriting) OnWritable(c);
      }
    }
    if (Now() - last_sweep >= kSweepEvery_s) {
      Sweep();
      last_sweep = Now();
    }
  }
}

void UnixServer::AcceptSome() {
  for (int i = 0; i < 64; i++) {
    UniqueFd fd(accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd.valid()) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: stop polling the listener for a moment rather
        // than spin on it; the backlog keeps the waiting clients.
        epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listen_.get(), nullptr);
        accept_paused_ = true;
        accept_resume_at_ = Now() + 0.1;
      }
      return;
    }
    Peer peer;
    std::string error;
    if (!PeerOf(fd.get(), &peer, &error)) continue;
    const bool privileged = Privileged(peer.uid);
    auto counted = per_uid_.find(peer.uid);
    const size_t open = conns_.size(), mine = counted == per_uid_.end() ? 0 : counted->second;
    const bool room = privileged ? open < options_.max_connections + options_.reserved_slots
                                 : open < options_.max_connections && mine < options_.max_per_uid;
    if (!room) {
      // Best effort: the refusal is small enough for any socket buffer.
      std::string frame = EncodeMessage(ErrorReply(
          nullptr, kUnavailable,
          "too many control connections (" + std::to_string(open) + " open, " +
              std::to_string(mine) + " of them uid " + std::to_string(peer.uid) + "'s; at most " +
              std::to_string(options_.max_per_uid) + " per user); try again"));
      (void)!send(fd.get(), frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      continue;
    }
    auto c = std::make_unique<Conn>();
    c->id = next_id_++ + kFirstConnId;
    c->fd = std::move(fd);
    c->peer = std::move(peer);
    c->privileged = privileged;
    c->deadline = Now() + options_.idle_timeout_s;
    Conn* raw = c.get();
    per_uid_[raw->peer.uid]++;
    conns_.emplace(raw->id, std::move(c));
    open_.store(conns_.size());
    std::string why;
    if (!check_(raw->peer, &why)) {
      QueueReply(raw, EncodeMessage(ErrorReply(nullptr, kForbidden, why)), true);
      continue;
    }
    epoll_event ev{EPOLLIN, {.u64 = raw->id}};
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, raw->fd.get(), &ev) == 0) raw->events = EPOLLIN;
    else Close(raw->id);
  }
}

void UnixServer::OnReadable(Conn* c) {
  for (int reads = 0; reads < 16; reads++) {
    const bool in_header = c->head_got < kHeaderBytes;
    if (!in_header && c->body_got == c->header.length) break;
    // Exactly what this message still lacks: a descriptor that rides with
    // the next message's header must not arrive with this one's tail. The
    // body grows as it arrives: a header that announces 1 MiB costs nothing
    // until the bytes come (within the request deadline).
    char chunk[64 * 1024];
    iovec iov = in_header ? iovec{c->head + c->head_got, kHeaderBytes - c->head_got}
                          : iovec{chunk, std::min(sizeof chunk, size_t{c->header.length} - c->body_got)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (in_header) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
    }
    ssize_t r = recvmsg(c->fd.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (in_header) {
      for (cmsghdr* m = CMSG_FIRSTHDR(&msg); m; m = CMSG_NXTHDR(&msg, m)) {
        if (m->cmsg_level != SOL_SOCKET || m->cmsg_type != SCM_RIGHTS) continue;
        for (size_t i = 0; i < (m->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
          int received;
          std::memcpy(&received, CMSG_DATA(m) + i * sizeof(int), sizeof(int));
          if (!c->passed.valid()) c->passed.Reset(received);  // one at most; close extras
          else ::close(received);
        }
      }
    }
    if (r == 0 && c->begun()) {  // a half-closed peer may still read why
      QueueReply(c, EncodeMessage(ErrorReply(nullptr, kBadRequest,
                                             Truncated(c->head_got, c->body_got, c->header.length,
                                                       "the peer closed the connection"))),
                 true);
      return;
    }
    if (r <= 0) {  // hung up between requests, or failed
      Close(c->id);
      return;
    }
    if (!c->begun()) c->deadline = Now() + options_.request_timeout_s;
    if (!in_header) {
      c->body.append(chunk, static_cast<size_t>(r));
      c->body_got += static_cast<size_t>(r);
      continue;
    }
    c->head_got += static_cast<size_t>(r);
    if (c->head_got < kHeaderBytes) continue;
    std::string error;
    if (ParseHeader(c->head, options_.max_body, &c->header, &error) != ReadResult::kOk) {
      // The stream can no longer be trusted to be framed; a body too large
      // is never read.
      QueueReply(c, EncodeMessage(ErrorReply(nullptr, kBadRequest, error)), true);
      return;
    }
    c->body.clear();
  }
  if (c->head_got < kHeaderBytes || c->body_got < c->header.length) return;
  Message m;
  std::string error;
  ReadResult r = ParseBody(c->header, c->body, std::move(c->passed), &m, &error);
  c->ResetRead();
  Dispatch(c, std::move(m), r, error);
}

void UnixServer::Dispatch(Conn* c, Message m, ReadResult r, const std::string& error) {
  nlohmann::json id = nullptr;
  if (r == ReadResult::kOk && m.body.contains("id")) id = m.body["id"];
  Reply refusal;
  if (r == ReadResult::kBadBody) {
    refusal = Reply::Error(kBadRequest, error);
  } else if (!m.body.contains("cmd") || !m.body["cmd"].is_string()) {
    refusal = Reply::Error(kBadRequest, "malformed request: no \"cmd\" string");
  } else if (m.body.contains("args") && !m.body["args"].is_object()) {
    refusal = Reply::Error(kBadRequest, "malformed request: \"args\" must be an object");
  } else {
    Job job{c->id, id,
            Request{c->peer, m.body["cmd"].get<std::string>(),
                    m.body.value("args", nlohmann::json::object()), std::move(m.fd)}};
    // Nothing more is read from this connection until its reply is out.
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c->fd.get(), nullptr);
    c->events = 0;
    c->state = Conn::State::kHandling;
    {
      std::lock_guard<std::mutex> lock(mu_);
      (c->privileged ? privileged_jobs_ : jobs_).push_back(std::move(job));
    }
    cv_.notify_all();
    return;
  }
  QueueReply(c, EncodeMessage(ErrorReply(id, refusal.code, refusal.message)), false);
}

void UnixServer::QueueReply(Conn* c, std::string frame, bool close_after) {
  c->out = std::move(frame);
  c->out_sent = 0;
  c->close_after = close_after;
  c->state = Conn::State::kWriting;
  c->deadline = Now() + options_.reply_timeout_s;
  OnWritable(c);
}

void UnixServer::OnWritable(Conn* c) {
  while (c->out_sent < c->out.size()) {
    ssize_t r = send(c->fd.get(), c->out.data() + c->out_sent, c->out.size() - c->out_sent,
                     MSG_NOSIGNAL | MSG_DONTWAIT);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      epoll_event ev{EPOLLOUT, {.u64 = c->id}};
      if (c->events != EPOLLOUT &&
          epoll_ctl(epoll_.get(), c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd.get(), &ev) != 0) {
        Close(c->id);
        return;
      }
      c->events = EPOLLOUT;
      return;
    }
    if (r < 0) {
      Close(c->id);
      return;
    }
    c->out_sent += static_cast<size_t>(r);
  }
  if (c->close_after) {
    // Whatever the peer sent past the point we stopped reading is dropped
    // here: closing a unix socket with unread bytes resets the peer, who
    // would then read ECONNRESET instead of EOF after our answer. Bounded,
    // so a peer still sending cannot hold the loop.
    char sink[4096];
    for (int i = 0; i < 16 && recv(c->fd.get(), sink, sizeof sink, MSG_DONTWAIT) > 0; i++) {
    }
    Close(c->id);
    return;
  }
  c->out.clear();
  c->state = Conn::State::kReading;
  c->deadline = Now() + options_.idle_timeout_s;
  epoll_event ev{EPOLLIN, {.u64 = c->id}};
  if (c->events != EPOLLIN &&
      epoll_ctl(epoll_.get(), c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd.get(), &ev) != 0) {
    Close(c->id);
    return;
  }
  c->events = EPOLLIN;
}

void UnixServer::TakeDone() {
  std::vector<Done> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done.swap(done_);
  }
  for (auto& d : done) {
    auto it = conns_.find(d.conn_id);  // gone: closed by Stop meanwhile
    if (it != conns_.end() && it->second->state == Conn::State::kHandling)
      QueueReply(it->second.get(), std::move(d.frame), false);
  }
}

void UnixServer::Sweep() {
  const double now = Now();
  if (accept_paused_ && now >= accept_resume_at_) {
    epoll_event ev{EPOLLIN, {.u64 = kListenTag}};
    epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listen_.get(), &ev);
    accept_paused_ = false;
  }
  std::vector<uint64_t> late;
  for (auto& [id, c] : conns_)
    if (c->state != Conn::State::kHandling && now > c->deadline) late.push_back(id);
  for (uint64_t id : late) {
    Conn* c = conns_.at(id).get();
    if (c->state == Conn::State::kReading && c->begun()) {
      const std::string why = "not whole within " + Seconds(options_.request_timeout_s) + " s";
      QueueReply(c, EncodeMessage(ErrorReply(nullptr, kBadRequest, Truncated(c->head_got, c->body_got, c->header.length, why))), true);
    } else {
      Close(id);  // idle, or a reply not taken in time
    }
  }
}

void UnixServer::Close(uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  if (--per_uid_[it->second->peer.uid] == 0) per_uid_.erase(it->second->peer.uid);
  conns_.erase(it);  // closing the descriptor takes it out of epoll
  open_.store(conns_.size());
}

void UnixServer::WorkerLoop(bool privileged_only) {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] {
        return stopping_ || !privileged_jobs_.empty() || (!privileged_only && !jobs_.empty());
      });
      if (stopping_) return;
      auto& queue = !privileged_jobs_.empty() ? privileged_jobs_ : jobs_;
      job = std::move(queue.front());
      queue.pop_front();
    }
    Reply reply;
    try {
      reply = handler_(job.request);
    } catch (const std::exception& e) {
      reply = Reply::Error(kInternal, std::string("internal error: ") + e.what());
    }
    std::string frame = EncodeMessage(reply.ok() ? OkReply(job.id, std::move(reply.result))
                                                 : ErrorReply(job.id, reply.code, reply.message));
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_.push_back({job.conn_id, std::move(frame)});
    }
    uint64_t one = 1;
    (void)!write(wake_.get(), &one, sizeof one);
  }
}

}  // namespace spamwall::proto
