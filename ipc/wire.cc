#include "ipc/wire.h"

#include <errno.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace spamwall::proto {

namespace {

constexpr char kMagic[4] = {'S', 'W', 'C', 'P'};

uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t Get32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
void Put16(uint8_t* p, uint16_t v) { p[0] = v & 0xff, p[1] = v >> 8; }
void Put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// The deepest nesting of arrays and objects in `text`, outside strings;
// stops counting past kMaxJsonDepth.
int NestingDepth(const std::string& text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > kMaxJsonDepth) break;
    } else if (ch == ']' || ch == '}') {
      depth--;
    }
  }
  return deepest;
}

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Reads exactly n bytes; *got says how many arrived. The first recvmsg may
// carry a file descriptor. Returns false on EOF, timeout or error.
bool ReadFully(int sock, uint8_t* buf, size_t n, size_t* got, UniqueFd* fd, std::string* error) {
  *got = 0;
  while (*got < n) {
    iovec iov{buf + *got, n - *got};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fd) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
    }
    ssize_t r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      *error = errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : Errno("recv");
      return false;
    }
    if (fd) {
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
          int received;
          std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
          if (!fd->valid()) fd->Reset(received);  // one at most; close extras
          else ::close(received);
        }
      }
    }
    if (r == 0) {
      *error = "the peer closed the connection";
      return false;
    }
    *got += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

ReadResult ParseHeader(const uint8_t* h, uint32_t max_body, Header* out, std::string* error) {
  if (std::memcmp(h, kMagic, 4) != 0) {
    *error = "not a spamwall control message (bad magic; expected \"SWCP\")";
    return ReadResult::kBadHeader;
  }
  const uint16_t version = Get16(h + 4);
  out->flags = Get16(h + 6);
  out->length = Get32(h + 8);
  if (version != kProtocolVersion) {
    *error = "protocol version " + std::to_string(version) + " is not supported (this side speaks " +
             std::to_string(kProtocolVersion) + ")";
    return ReadResult::kBadHeader;
  }
  if (out->length > max_body) {
    *error = "request of " + std::to_string(out->length) + " bytes exceeds the limit of " +
             std::to_string(max_body) + " bytes";
    return ReadResult::kBadHeader;
  }
  return ReadResult::kOk;
}

ReadResult ParseBody(const Header& header, const std::string& body, UniqueFd fd, Message* out,
                     std::string* error) {
  *out = Message{};
  if ((header.flags & kFlagFd) && !fd.valid()) {
    *error = "the header announces a file descriptor but none arrived";
    return ReadResult::kBadBody;
  }
  if (header.flags & kFlagFd) out->fd = std::move(fd);
  if (NestingDepth(body) > kMaxJsonDepth) {
    *error = "malformed request: the body is nested deeper than " + std::to_string(kMaxJsonDepth) +
             " levels";
    return ReadResult::kBadBody;
  }
  out->body = nlohmann::json::parse(body, nullptr, false);
  if (out->body.is_discarded()) {
    *error = "malformed request: the body is not valid JSON";
    return ReadResult::kBadBody;
  }
  if (!out->body.is_object()) {
    *error = "malformed request: the body must be a JSON object";
    return ReadResult::kBadBody;
  }
  return ReadResult::kOk;
}

ReadResult ReadMessage(int sock, Message* out, std::string* error, uint32_t max_body) {
  *out = Message{};
  uint8_t h[kHeaderBytes];
  size_t got = 0;
  UniqueFd fd;
  if (!ReadFully(sock, h, sizeof h, &got, &fd, error)) {
    if (got == 0 && *error == "the peer closed the connection") return ReadResult::kClosed;
    *error = "truncated request: " + std::to_string(got) + " of " + std::to_string(kHeaderBytes) +
             " header bytes (" + *error + ")";
    return ReadResult::kBadHeader;
  }
  Header header;
  if (ParseHeader(h, max_body, &header, error) != ReadResult::kOk) return ReadResult::kBadHeader;
  std::string body(header.length, '\0');
  if (!ReadFully(sock, reinterpret_cast<uint8_t*>(body.data()), header.length, &got, nullptr,
                 error)) {
    *error = "truncated request: " + std::to_string(got) + " of " + std::to_string(header.length) +
             " body bytes (" + *error + ")";
    return ReadResult::kBadHeader;
  }
  return ParseBody(header, body, std::move(fd), out, error);
}

std::string EncodeMessage(const nlohmann::json& body) {
  std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  uint8_t h[kHeaderBytes] = {};
  std::memcpy(h, kMagic, 4);
  Put16(h + 4, kProtocolVersion);
  Put32(h + 8, static_cast<uint32_t>(text.size()));
  return std::string(reinterpret_cast<char*>(h), sizeof h) + text;
}

bool WriteMessage(int sock, const nlohmann::json& body, int fd, std::string* error) {
  std::string frame = EncodeMessage(body);
  if (frame.size() - kHeaderBytes > UINT32_MAX) {
    *error = "message too large";
    return false;
  }
  if (fd >= 0) Put16(reinterpret_cast<uint8_t*>(frame.data()) + 6, kFlagFd);
  size_t sent = 0;
  bool fd_sent = fd < 0;
  while (sent < frame.size()) {
    iovec iov{frame.data() + sent, frame.size() - sent};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (!fd_sent) {  // the descriptor rides with the first bytes (the header)
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t r = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      *error = errno == EAGAIN || errno == EWOULDBLOCK ? "send timed out" : Errno("send");
      return false;
    }
    fd_sent = true;
    sent += static_cast<size_t>(r);
  }
  return true;
}

nlohmann::json OkReply(const nlohmann::json& id, nlohmann::json result) {
  return {{"id", id}, {"ok", true}, {"result", std::move(result)}};
}

nlohmann::json ErrorReply(const nlohmann::json& id, const std::string& code,
                          const std::string& message) {
  return {{"id", id}, {"ok", false}, {"error", {{"code", code}, {"message", message}}}};
}

}  // namespace spamwall::proto
