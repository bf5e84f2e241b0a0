#include "dataplane/app/ports.h"

#include <rte_ethdev.h>

#include <cstdio>
#include <sstream>

namespace spamwall {

bool StartPorts(const std::vector<uint16_t>& ports, const std::vector<std::string>& roles,
                const HwProfile& profile, rte_mempool* pool, bool verbose,
                std::vector<PortInfo>* info, std::vector<PortGrant>* grants, std::string* error) {
  for (size_t i = 0; i < ports.size(); i++) {
    uint16_t id = ports[i];
    if (id >= kMaxPorts) {
      *error = "port " + std::to_string(id) + " is beyond the " + std::to_string(kMaxPorts) +
               " ports this build counts";
      return false;
    }
    PortGrant grant;
    std::string log;
    if (!SetupPort(id, profile, pool, &grant, &log, error)) return false;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);)
      if (verbose || line.find("warning") != std::string::npos)
        std::fprintf(stderr, "%s\n", line.c_str());
    char name[RTE_ETH_NAME_MAX_LEN] = "";
    rte_eth_dev_get_name_by_port(id, name);
    info->push_back({id, name, i < roles.size() ? roles[i] : "port"});
    grants->push_back(grant);
  }
  return true;
}

void StopPorts(const std::vector<PortInfo>& ports) {
  for (const PortInfo& p : ports) {
    rte_eth_dev_stop(p.port_id);
    rte_eth_dev_close(p.port_id);
  }
}

}  // namespace spamwall
