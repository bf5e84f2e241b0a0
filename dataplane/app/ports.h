// Bringing up and closing the ports of a run, the same way in both modes.
#ifndef SPAMWALL_DATAPLANE_APP_PORTS_H_
#define SPAMWALL_DATAPLANE_APP_PORTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/app/hw_profile.h"
#include "dataplane/app/port_setup.h"
#include "dataplane/app/stats.h"

struct rte_mempool;

namespace spamwall {

// SetupPort on each port; prints requested-vs-granted to stderr (every line
// when verbose, else only warnings). Fills *info with names and roles.
bool StartPorts(const std::vector<uint16_t>& ports, const std::vector<std::string>& roles,
                const HwProfile& profile, rte_mempool* pool, bool verbose,
                std::vector<PortInfo>* info, std::vector<PortGrant>* grants, std::string* error);

// Stops and closes every port (net_pcap flushes its output files here).
void StopPorts(const std::vector<PortInfo>& ports);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_PORTS_H_
