// A hw-profile (hw-profiles/*.yaml): what the dataplane asks of one kind of NIC.
// It is a request; SetupPort (port_setup.h) negotiates it against the device.
// The keys are documented in hw-profiles/README.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace spamwall {

struct HwProfile {
  std::string name, driver, description, numa, path;
  bool is_virtual = false;
  std::vector<std::string> vdevs;  // EAL --vdev strings when the command line names no port
  std::string devargs;             // appended to each PCI port's -a argument ("" = none)
  uint16_t rx_queues = 1, tx_queues = 1, rx_desc = 1024, tx_desc = 1024, burst = 32;
  uint32_t mempool_mbufs = 8191, mempool_cache = 256, mbuf_data_room = 2176, mtu = 1500;
  bool promiscuous = true;
  bool rss_enabled = false, rss_symmetric = false;
  std::vector<std::string> rss_hash_fields;
  uint16_t rss_key_length = 40;
  std::vector<std::string> rx_offloads, tx_offloads;
};

// Loads and validates the profile at `path` into *out (path recorded in out->path).
// On failure returns false and sets *error to "file:line:col: message" (1-based),
// naming the bad key or value and, for names, the accepted ones.
bool LoadHwProfile(const std::string& path, HwProfile* out, std::string* error);

}  // namespace spamwall
