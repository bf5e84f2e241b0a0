#include "dataplane/app/ports.h"

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "dataplane/app/eal_session.h"

#include <cstdio>
#include <sstream>

namespace spamwall {

int PortSocket(uint16_t port) {
  int s = rte_eth_dev_socket_id(port);
  return s < 0 ? static_cast<int>(rte_socket_id()) : s;
}

PacketPools::~PacketPools() {
  for (auto& [socket, pool] : by_socket) rte_mempool_free(pool);
}

bool CreatePacketPools(const std::vector<uint16_t>& ports, const HwProfile& profile,
                       PacketPools* pools, std::string* error) {
  std::map<int, unsigned> ports_on;
  for (uint16_t p : ports) ports_on[PortSocket(p)]++;
  for (const auto& [socket, n] : ports_on) {
    rte_mempool* pool = CreatePacketPool(profile, n, socket, error);
    if (pool == nullptr) return false;
    pools->by_socket[socket] = pool;
    if (ports_on.size() > 1)
      std::fprintf(stderr, "packet mempool on socket %d for %u ports\n", socket, n);
  }
  return true;
}

bool StartPorts(const std::vector<uint16_t>& ports, const std::vector<std::string>& roles,
                const HwProfile& profile, const PacketPools& pools, bool verbose,
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
    if (!SetupPort(id, profile, pools.For(id), &grant, &log, error)) return false;
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
