#include "ipc/client.h"

namespace spamwall::proto {

bool Client::Connect(const std::string& path, double timeout_s, std::string* error) {
  fd_ = ConnectUnix(path, timeout_s, error);
  return fd_.valid();
}

bool Client::Call(const std::string& cmd, const nlohmann::json& args, nlohmann::json* reply,
                  std::string* error, int fd, uint32_t max_reply) {
  last_sent_ = false;
  if (!fd_.valid()) {
    *error = "not connected";
    return false;
  }
  const uint64_t id = next_id_++;
  std::string send_error;
  // A server that refuses a request early (forbidden peer, oversized) may
  // close before reading it all: the send fails, but its answer is waiting.
  bool sent = WriteMessage(fd_.get(), {{"id", id}, {"cmd", cmd}, {"args", args.is_null() ? nlohmann::json::object() : args}}, fd, &send_error);
  last_sent_ = sent;
  Message m;
  ReadResult r = ReadMessage(fd_.get(), &m, error, max_reply);
  if (r != ReadResult::kOk) {
    if (r == ReadResult::kClosed)
      *error = sent ? "the server closed the connection without answering" : send_error;
    fd_.Reset();
    return false;
  }
  *reply = std::move(m.body);
  if (!sent) fd_.Reset();
  return true;
}

std::string ReplyError(const nlohmann::json& reply) {
  if (reply.value("ok", false)) return "";
  if (reply.contains("error") && reply["error"].is_object())
    return reply["error"].value("message", "unknown error");
  return "malformed reply";
}

}  // namespace spamwall::proto
