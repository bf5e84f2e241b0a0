// The controller's side of a threshold crossed (containment.h): the
// quarantine through the runtime overlay, as `quarantine add` makes it.
#include <unistd.h>

#include <string>

#include "control/controld/controller.h"
#include "control/controld/overlay.h"

namespace spamwall::controld {

using proto::Reply;
using proto::Request;

absl::Status Controller::QuarantineForThreshold(const ThresholdCrossing& c) {
  Request req;
  req.cmd = "threshold.quarantine";
  req.args = {{"addr", c.subscriber},
              {"threshold", c.threshold},
              {"metric", std::string(NameOf(c.metric))},
              {"window", std::string(NameOf(c.window))},
              {"value", c.value},
              {"limit", c.limit}};
  req.peer.uid = geteuid();
  req.peer.gid = getegid();
  req.peer.pid = getpid();
  req.peer.user = "spamwall-controld (threshold " + c.threshold + ")";
  // Staged as `quarantine add ADDR` would be; the audit keeps the whole
  // request above, naming the threshold.
  StageFn stage = [](Controller* self, const Request& r, Overlay* next) {
    Request add;
    add.peer = r.peer;
    add.cmd = "quarantine.add";
    add.args = {{"addr", r.args["addr"]}};
    return self->QuarantineAddDel(add, true, next);
  };
  Reply reply = HandleOverlay(req, stage);
  if (reply.ok()) return absl::OkStatus();
  return absl::UnavailableError(reply.message);
}

bool Controller::Quarantined(const std::string& addr) const {
  std::string norm, error;
  if (!CheckQuarantineEntry(addr, &norm, &error)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& q : overlay_.quarantine)
    if (q == norm) return true;
  if (current_)
    for (const PrefixEntry& e : current_->file_policy.quarantine)
      if (FormatPrefix(e.prefix) == norm) return true;
  return false;
}

}  // namespace spamwall::controld
