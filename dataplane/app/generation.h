// One published generation: everything the lcores read that the control
// path replaces as a whole: the compiled policy (one copy per NUMA socket
// with readers) and, in it, the signature database the samplers scan with
// (CompiledPolicy::signatures, shared by the replicas), so that one pointer
// swap and one grace period (generation_publisher.h) change all of them
// together. A sampler holds its own reference to a database while messages
// it began scanning with it are in flight (sampler/stream_scans.h).
#ifndef SPAMWALL_DATAPLANE_APP_GENERATION_H_
#define SPAMWALL_DATAPLANE_APP_GENERATION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/app/worker_counters.h"
#include "dataplane/core/compiled_policy.h"

namespace spamwall {

constexpr unsigned kMaxWorkers = 64;
constexpr unsigned kMaxSockets = 8;  // RTE_MAX_NUMA_NODES in Debian's DPDK build

// What a generation says about where it came from (policy show, hello).
struct LiveIdentity {
  LiveIdentity() = default;
  LiveIdentity(std::string o) : origin(std::move(o)) {}  // NOLINT: a bare origin
  LiveIdentity(const char* o) : origin(o) {}            // NOLINT
  std::string origin;      // who or what loaded it
  std::string digest;      // of the image it came from (PolicyImageDigest); "" for YAML
  std::string request_id;  // of the load that made it live
  std::string safe_state;  // why the dataplane runs the safe state; "" when it does not
};

struct Generation {
  std::unique_ptr<CompiledPolicy> policy;  // policy->generation is its generation
  // The lookup tables copied onto each socket whose lcores read them
  // (numa_replica.h), where the machine has more than one; by_socket[s] is
  // what a reader on socket s reads: its replica, or `policy` itself.
  std::vector<std::unique_ptr<CompiledPolicy>> replicas;
  const CompiledPolicy* by_socket[kMaxSockets] = {};
  LiveIdentity id;  // where it came from, for `policy show` and hello
  double loaded_at = 0;   // unix seconds
  GenerationCounters workers[kMaxWorkers];  // slot i: written by worker i only

  const CompiledPolicy& PolicyFor(unsigned socket) const { return *by_socket[socket]; }
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_GENERATION_H_
