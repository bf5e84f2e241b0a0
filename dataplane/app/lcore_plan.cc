#include "dataplane/app/lcore_plan.h"

#include <algorithm>

namespace spamwall {

std::string LcorePlan::Describe() const {
  std::string out;
  for (const auto& r : roles) {
    if (r.kind == LcoreRole::Kind::kWorker)
      out += "worker " + std::to_string(r.worker_index) + " on lcore " + std::to_string(r.lcore) +
             " (socket " + std::to_string(r.socket) + "): ports " + std::to_string(r.port_a) + "<->" +
             std::to_string(r.port_b) + " queue " + std::to_string(r.queue) + ", rcu reader " +
             std::to_string(r.reader_id) + "\n";
    else
      out += "sampler on lcore " + std::to_string(r.lcore) + " (socket " + std::to_string(r.socket) +
             "), rcu reader " + std::to_string(r.reader_id) + "\n";
  }
  for (const auto& w : warnings) out += "warning: " + w + "\n";
  return out;
}

bool BuildLcorePlan(const LcorePlanInput& in, LcorePlan* plan, std::string* error) {
  *plan = LcorePlan{};
  unsigned wanted = in.samplers;
  for (const auto& p : in.pairs) wanted += p.queues;
  if (in.lcores.size() < wanted) {
    *error = "need " + std::to_string(wanted) + " lcores besides the main one (" +
             std::to_string(wanted - in.samplers) + " workers: one per port pair and queue" +
             (in.samplers ? ", " + std::to_string(in.samplers) + " samplers" : std::string()) +
             "); EAL has " + std::to_string(in.lcores.size()) + " (give -l 0-" + std::to_string(wanted) + ")";
    return false;
  }
  std::vector<bool> used(in.lcores.size(), false);
  auto take = [&](int socket) -> size_t {
    for (size_t i = 0; i < in.lcores.size(); i++)
      if (!used[i] && in.lcore_socket(in.lcores[i]) == socket) return used[i] = true, i;
    for (size_t i = 0; i < in.lcores.size(); i++)
      if (!used[i]) return used[i] = true, i;
    return in.lcores.size();  // not reached: counted above
  };
  for (const auto& p : in.pairs) {
    const int socket = in.port_socket(p.port_a);
    for (uint16_t q = 0; q < p.queues; q++) {
      LcoreRole r;
      r.kind = LcoreRole::Kind::kWorker;
      r.lcore = in.lcores[take(socket)];
      r.socket = in.lcore_socket(r.lcore);
      r.port_a = p.port_a;
      r.port_b = p.port_b;
      r.queue = q;
      r.worker_index = plan->workers;
      r.reader_id = plan->workers++;
      for (uint16_t port : {p.port_a, p.port_b})
        if (in.port_socket(port) != r.socket)
          plan->warnings.push_back("worker " + std::to_string(r.worker_index) + " runs on socket " +
                                   std::to_string(r.socket) + " but port " + std::to_string(port) +
                                   " is on socket " + std::to_string(in.port_socket(port)) +
                                   ": every packet crosses the interconnect");
      plan->roles.push_back(r);
    }
  }
  for (unsigned s = 0; s < in.samplers; s++) {
    LcoreRole r;
    r.kind = LcoreRole::Kind::kSampler;
    r.lcore = in.lcores[take(plan->roles.empty() ? 0 : plan->roles.front().socket)];
    r.socket = in.lcore_socket(r.lcore);
    plan->roles.push_back(r);
    plan->samplers++;
  }
  // Samplers read after the workers.
  unsigned next = plan->workers;
  for (auto& r : plan->roles)
    if (r.kind == LcoreRole::Kind::kSampler) r.reader_id = next++;
  return true;
}

std::vector<int> LcorePlan::Sockets() const {
  std::vector<int> out;
  for (const LcoreRole& r : roles)
    if (std::find(out.begin(), out.end(), r.socket) == out.end()) out.push_back(r.socket);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace spamwall
