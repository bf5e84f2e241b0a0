// The client side of the control protocol: one connection, requests answered
// in order. spamwallctl uses it towards controld, controld towards the dataplane.
#ifndef SPAMWALL_IPC_CLIENT_H_
#define SPAMWALL_IPC_CLIENT_H_

#include <string>

#include "ipc/unix_socket.h"
#include "ipc/wire.h"

namespace spamwall::proto {

class Client {
 public:
  bool Connect(const std::string& path, double timeout_s, std::string* error);
  bool connected() const { return fd_.valid(); }
  void Close() { fd_.Reset(); }

  // Sends {"id", "cmd", "args"} (and `fd` when >= 0) and waits for the reply.
  // Returns false only when no reply came (transport error, *error says why);
  // a reply with "ok": false is returned as is. After a transport error the
  // connection is closed.
  bool Call(const std::string& cmd, const nlohmann::json& args, nlohmann::json* reply,
            std::string* error, int fd = -1, uint32_t max_reply = 64u << 20);
  // Whether the last Call's request was written whole: after a failed Call,
  // false means the server cannot have acted on it.
  bool last_sent() const { return last_sent_; }

 private:
  UniqueFd fd_;
  uint64_t next_id_ = 1;
  bool last_sent_ = false;
};

// The message of an error reply, or "" for an ok one.
std::string ReplyError(const nlohmann::json& reply);

}  // namespace spamwall::proto

#endif  // SPAMWALL_IPC_CLIENT_H_
