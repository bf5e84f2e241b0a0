#include "control/controld/dataplane_link.h"

namespace spamwall::controld {

bool DataplaneLink::ConnectLocked(std::string* error) {
  std::string why;
  if (!client_.Connect(path_, timeout_s_, &why)) {
    *error = "the dataplane is not reachable at " + path_ + ": " + why;
    return false;
  }
  reconnected_ = true;
  return true;
}

bool DataplaneLink::Call(const std::string& cmd, const nlohmann::json& args,
                         nlohmann::json* reply, std::string* error, int fd) {
  return Send(cmd, args, reply, error, fd, true) == Delivery::kAnswered;
}

DataplaneLink::Delivery DataplaneLink::CallOnce(const std::string& cmd, const nlohmann::json& args,
                                                nlohmann::json* reply, std::string* error, int fd) {
  return Send(cmd, args, reply, error, fd, false);
}

DataplaneLink::Delivery DataplaneLink::Send(const std::string& cmd, const nlohmann::json& args,
                                            nlohmann::json* reply, std::string* error, int fd,
                                            bool resend_if_sent) {
  std::lock_guard<std::mutex> lock(mu_);
  bool reused = client_.connected();
  if (!reused && !ConnectLocked(error)) return Delivery::kNotDelivered;
  std::string why;
  if (client_.Call(cmd, args, reply, &why, fd)) return Delivery::kAnswered;
  // A kept connection that fails at once most likely outlived its dataplane;
  // a request it may have delivered is sent again only when that is harmless.
  if (reused && (resend_if_sent || !client_.last_sent())) {
    if (!ConnectLocked(error)) return Delivery::kNotDelivered;
    if (client_.Call(cmd, args, reply, &why, fd)) return Delivery::kAnswered;
  }
  *error = "the dataplane at " + path_ + " did not answer '" + cmd + "': " + why;
  return client_.last_sent() ? Delivery::kInDoubt : Delivery::kNotDelivered;
}

bool DataplaneLink::TakeReconnected() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(reconnected_, false);
}

}  // namespace spamwall::controld
