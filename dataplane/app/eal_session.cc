#include "dataplane/app/eal_session.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <algorithm>

#include "dataplane/app/hw_profile.h"

namespace spamwall {

EalSession::~EalSession() {
  if (!started_) return;
  rte_eal_cleanup();
  // The EAL makes its runtime directory (/var/run/dpdk/PREFIX) even with
  // --no-shconf and leaves it behind; empty, it is ours to remove (a live
  // run's shared config files keep it, as DPDK intends).
  if (!runtime_dir_.empty()) rmdir(runtime_dir_.c_str());
}

bool EalSession::Start(const std::vector<std::string>& args, std::string* error) {
  std::vector<std::string> copy = args;  // rte_eal_init may permute argv
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(copy.size()), argv.data()) < 0) {
    std::string cmd;
    for (const auto& a : args) cmd += " " + a;
    *error = "EAL initialisation failed (" + std::string(rte_strerror(rte_errno)) +
             ") with arguments:" + cmd;
    return false;
  }
  started_ = true;
  runtime_dir_ = rte_eal_get_runtime_dir();
  return true;
}

std::vector<std::string> PrivateEalArgs(const std::string& program, bool verbose) {
  return {program,
          "--no-huge",
          "-m",
          "256",
          "--no-pci",
          "--no-shconf",  // no files in /var/run/dpdk: runs side by side (ctest -j)
          "--no-telemetry",
          "--file-prefix=spamwall-" + std::to_string(getpid()),
          "--log-level=" + std::string(verbose ? "*:info" : "*:warning"),
          "-l",
          "0"};
}

rte_mempool* CreatePacketPool(const HwProfile& profile, unsigned ports, int socket, std::string* error) {
  unsigned per_port = static_cast<unsigned>(profile.rx_queues) * profile.rx_desc +
                      static_cast<unsigned>(profile.tx_queues) * profile.tx_desc;
  unsigned needed = ports * per_port + 4 * 64 * std::max(1u, rte_lcore_count()) + 1024;
  unsigned mbufs = std::max<unsigned>(profile.mempool_mbufs, needed);
  unsigned cache = std::min<unsigned>(profile.mempool_cache, RTE_MEMPOOL_CACHE_MAX_SIZE);
  const std::string name = "spamwall_pkts_s" + std::to_string(socket);
  rte_mempool* pool = rte_pktmbuf_pool_create(name.c_str(), mbufs, cache, 0,
                                              static_cast<uint16_t>(profile.mbuf_data_room), socket);
  if (pool == nullptr)
    *error = "cannot create the packet mempool on socket " + std::to_string(socket) + " (" +
             std::to_string(mbufs) + " mbufs of " + std::to_string(profile.mbuf_data_room) +
             " bytes): " + rte_strerror(rte_errno);
  return pool;
}

}  // namespace spamwall
