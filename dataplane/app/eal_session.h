// EAL start-up and teardown, and the packet mempool sized from a hw-profile.
#ifndef SPAMWALL_DATAPLANE_APP_EAL_SESSION_H_
#define SPAMWALL_DATAPLANE_APP_EAL_SESSION_H_

#include <string>
#include <vector>

struct rte_mempool;

namespace spamwall {

struct HwProfile;

// Owns the EAL of this process: rte_eal_init on Start, rte_eal_cleanup when
// destroyed. EAL can be started once per process.
class EalSession {
 public:
  EalSession() = default;
  EalSession(const EalSession&) = delete;
  EalSession& operator=(const EalSession&) = delete;
  ~EalSession();

  // args[0] is the program name. On failure *error says what EAL refused.
  bool Start(const std::vector<std::string>& args, std::string* error);

 private:
  bool started_ = false;
  std::string runtime_dir_;
};

// EAL arguments for a self-contained run without hugepages or PCI: what the
// offline mode and the tests use (README.md, "Offline mode").
std::vector<std::string> PrivateEalArgs(const std::string& program, bool verbose);

// A packet pool on NUMA socket `socket` for `ports` ports, sized by the
// profile (at least enough for every descriptor of every queue of those
// ports plus bursts in flight).
rte_mempool* CreatePacketPool(const HwProfile& profile, unsigned ports, int socket, std::string* error);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_EAL_SESSION_H_
