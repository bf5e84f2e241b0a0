// Bringing up and closing the ports of a run, the same way in both modes.
#ifndef SPAMWALL_DATAPLANE_APP_PORTS_H_
#define SPAMWALL_DATAPLANE_APP_PORTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dataplane/app/hw_profile.h"
#include "dataplane/app/port_setup.h"
#include "dataplane/app/stats.h"

struct rte_mempool;

namespace spamwall {

// SetupPort on each port; prints requested-vs-granted to stderr (every line
// when verbose, else only warnings). Fills *info with names and roles.
// The NUMA socket a port's device sits on (the EAL's own socket when the
// device does not say, as virtual ones do not).
int PortSocket(uint16_t port);

// One packet mempool per socket that has ports, on that socket: a NIC DMAs
// into memory next to it, and the worker that polls it should sit there too.
// Freed when this goes away: after the ports that use them (declare the
// pools before the PortsGuard) and before the EAL.
struct PacketPools {
  PacketPools() = default;
  PacketPools(const PacketPools&) = delete;
  PacketPools& operator=(const PacketPools&) = delete;
  ~PacketPools();
  std::map<int, rte_mempool*> by_socket;
  rte_mempool* For(uint16_t port) const { return by_socket.at(PortSocket(port)); }
};
bool CreatePacketPools(const std::vector<uint16_t>& ports, const HwProfile& profile,
                       PacketPools* pools, std::string* error);

bool StartPorts(const std::vector<uint16_t>& ports, const std::vector<std::string>& roles,
                const HwProfile& profile, const PacketPools& pools, bool verbose,
                std::vector<PortInfo>* info, std::vector<PortGrant>* grants, std::string* error);

// Stops and closes every port (net_pcap flushes its output files here).
void StopPorts(const std::vector<PortInfo>& ports);

// The started ports of a run, stopped and closed once: by Stop() where the
// run wants them closed (before its final counts), else on every way out.
class PortsGuard {
 public:
  explicit PortsGuard(const std::vector<PortInfo>* ports) : ports_(ports) {}
  ~PortsGuard() { Stop(); }
  PortsGuard(const PortsGuard&) = delete;
  PortsGuard& operator=(const PortsGuard&) = delete;
  void Stop() {
    if (ports_) StopPorts(*ports_);
    ports_ = nullptr;
  }

 private:
  const std::vector<PortInfo>* ports_;
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_PORTS_H_
