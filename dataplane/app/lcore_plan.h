// Which lcore does what: the explicit plan the live runtime is built from.
// Roles: a worker for one (port pair, queue), and samplers (SMTP sampling,
// to come). Built from the queues the ports granted, the EAL's worker
// lcores and each port's and lcore's NUMA socket; each role gets its RCU
// reader id here (workers 0..W-1, then samplers), so every reader of a
// published generation is known before the first packet. Plain data and no
// DPDK calls: the sockets come in as functions, so it is tested as is.
#ifndef SPAMWALL_DATAPLANE_APP_LCORE_PLAN_H_
#define SPAMWALL_DATAPLANE_APP_LCORE_PLAN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace spamwall {

struct LcorePlanInput {
  struct Pair {
    uint16_t port_a, port_b;
    uint16_t queues;  // granted on both ports, RX and TX
  };
  std::vector<Pair> pairs;
  std::vector<unsigned> lcores;  // the EAL's worker lcores, in order
  unsigned samplers = 0;         // sampler lcores wanted
  std::function<int(unsigned lcore)> lcore_socket;
  std::function<int(uint16_t port)> port_socket;
};

struct LcoreRole {
  enum class Kind { kWorker, kSampler };
  Kind kind = Kind::kWorker;
  unsigned lcore = 0;
  int socket = 0;
  unsigned reader_id = 0;  // RCU reader (QSBR thread id)
  // kWorker only:
  uint16_t port_a = 0, port_b = 0, queue = 0;
  unsigned worker_index = 0;  // counter slot, drop-capture TX queue
};

struct LcorePlan {
  std::vector<LcoreRole> roles;
  unsigned workers = 0, samplers = 0;
  std::vector<std::string> warnings;  // a worker away from its ports' socket
  unsigned readers() const { return workers + samplers; }
  // The NUMA sockets of the roles, each once, in order.
  std::vector<int> Sockets() const;
  // One line per role, and requested vs granted.
  std::string Describe() const;
};

// Places each worker on a free lcore of its port pair's socket when there
// is one (else the next free lcore, with a warning), then the samplers.
// False with *error when there are fewer lcores than roles.
bool BuildLcorePlan(const LcorePlanInput& in, LcorePlan* plan, std::string* error);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_LCORE_PLAN_H_
