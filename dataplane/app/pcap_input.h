// Checks an input pcap before DPDK sees it, so that a missing or bad file
// gets a clear error naming it (net_pcap's own probe failure names neither).
#ifndef SPAMWALL_DATAPLANE_APP_PCAP_INPUT_H_
#define SPAMWALL_DATAPLANE_APP_PCAP_INPUT_H_

#include <cstdint>
#include <string>

namespace spamwall {

struct PcapInfo {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t cut = 0;  // records shorter than their frame (caplen < len: the snap length)
  uint32_t snaplen = 0;
};

// Reads the whole file: Ethernet link type required.
bool InspectPcap(const std::string& path, PcapInfo* info, std::string* error);

// Whether `path` can be created or overwritten; *error names it otherwise.
bool CheckWritable(const std::string& path, std::string* error);

// net_pcap devargs are "key=value,key=value": a path with ',' cannot be passed.
bool CheckDevargsSafe(const std::string& path, std::string* error);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_PCAP_INPUT_H_
