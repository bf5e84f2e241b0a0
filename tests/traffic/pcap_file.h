// Reads and writes classic pcap files (Ethernet link type) for the tools and
// tests. The libpcap header stays inside pcap_file.cc: <pcap/pcap.h> clashes
// with <bpf/libbpf.h> in one translation unit, and the
// XDP tests include this header next to libbpf.
#ifndef SPAMWALL_TESTS_TRAFFIC_PCAP_FILE_H_
#define SPAMWALL_TESTS_TRAFFIC_PCAP_FILE_H_

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace spamwall::traffic {

class PcapError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PcapPacket {
  std::vector<uint8_t> data;  // the captured bytes
  uint32_t wire_length = 0;   // the frame's length on the wire (>= data.size())
  int64_t time_us = 0;        // microseconds since the Unix epoch
};

struct PcapWriteOptions {
  // Timestamps: the first packet at start_us, then one every interval_us, so
  // the same frames always give the same file.
  int64_t start_us = 1704067200LL * 1000000;  // 2024-01-01T00:00:00Z
  int64_t interval_us = 10;
  uint32_t snaplen = 65535;
};

// Writes Ethernet frames; throws PcapError naming the file.
void WritePcap(const std::string& path, const std::vector<std::vector<uint8_t>>& frames,
               const PcapWriteOptions& options = {});
void WritePcap(const std::string& path, const std::vector<PcapPacket>& packets,
               uint32_t snaplen = 65535);

// Reads every packet of an Ethernet pcap; throws PcapError naming the file.
std::vector<PcapPacket> ReadPcap(const std::string& path);
// The captured bytes only.
std::vector<std::vector<uint8_t>> ReadPcapFrames(const std::string& path);

}  // namespace spamwall::traffic

#endif  // SPAMWALL_TESTS_TRAFFIC_PCAP_FILE_H_
