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
  std::lock_guard<std::mutex> lock(mu_);
  bool reused = client_.connected();
  if (!reused && !ConnectLocked(error)) return false;
  std::string why;
  if (client_.Call(cmd, args, reply, &why, fd)) return true;
  // A kept connection that fails at once most likely outlived its dataplane.
  if (reused) {
    if (!ConnectLocked(error)) return false;
    if (client_.Call(cmd, args, reply, &why, fd)) return true;
  }
  *error = "the dataplane at " + path_ + " did not answer '" + cmd + "': " + why;
  return false;
}

DataplaneLink::Delivery DataplaneLink::CallOnce(const std::string& cmd, const nlohmann::json& args,
                                                nlohmann::json* reply, std::string* error, int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  bool reused = client_.connected();
  if (!reused && !ConnectLocked(error)) return Delivery::kNotDelivered;
  std::string why;
  if (client_.Call(cmd, args, reply, &why, fd)) return Delivery::kAnswered;
  if (reused && !client_.last_sent()) {
    // The kept connection was dead before the request got through.
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
