// controld's one connection to spamwall-dataplane's control socket. It
// connects on first use and again after the dataplane went away, and remembers
// that it reconnected so the sampler can bring a restarted dataplane back to
// controld's live policy.
#ifndef SPAMWALL_CONTROL_CONTROLD_DATAPLANE_LINK_H_
#define SPAMWALL_CONTROL_CONTROLD_DATAPLANE_LINK_H_

#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "ipc/client.h"

namespace spamwall::controld {

class DataplaneLink {
 public:
  explicit DataplaneLink(std::string path, double timeout_s = 10) : path_(std::move(path)), timeout_s_(timeout_s) {}

  // Sends one request. False when the dataplane could not be reached or did
  // not answer (*error names the socket); an error reply is returned as is.
  // A connection found dead (the dataplane restarted) is reopened once.
  bool Call(const std::string& cmd, const nlohmann::json& args, nlohmann::json* reply,
            std::string* error, int fd = -1);

  // How a load went: answered, not delivered (the dataplane cannot have
  // acted on it), or in doubt (sent whole, no answer: it may go live).
  enum class Delivery { kAnswered, kNotDelivered, kInDoubt };
  // Sends a request that must not be repeated blindly (policy.load): it is
  // re-sent on a fresh connection only when the first was never delivered.
  Delivery CallOnce(const std::string& cmd, const nlohmann::json& args, nlohmann::json* reply,
                    std::string* error, int fd = -1);

  // True once after every new connection.
  bool TakeReconnected();
  const std::string& path() const { return path_; }

 private:
  bool ConnectLocked(std::string* error);
  Delivery Send(const std::string& cmd, const nlohmann::json& args, nlohmann::json* reply,
                std::string* error, int fd, bool resend_if_sent);

  const std::string path_;
  const double timeout_s_;
  std::mutex mu_;
  proto::Client client_;
  bool reconnected_ = false;
};

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_DATAPLANE_LINK_H_
