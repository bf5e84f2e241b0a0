#include "dataplane/app/pcap_input.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace spamwall {

bool InspectPcap(const std::string& path, PcapInfo* info, std::string* error) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    *error = path + ": no such file";
    return false;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
  if (p == nullptr) {
    *error = path + ": not a readable pcap file (" + errbuf + ")";
    return false;
  }
  if (pcap_datalink(p) != DLT_EN10MB) {
    *error = path + ": link type " + std::string(pcap_datalink_val_to_name(pcap_datalink(p)) ?: "?") +
             " is not Ethernet (DLT_EN10MB)";
    pcap_close(p);
    return false;
  }
  pcap_pkthdr* hdr;
  const u_char* data;
  int rc;
  *info = PcapInfo{};
  info->snaplen = static_cast<uint32_t>(pcap_snapshot(p));
  while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
    info->packets++;
    info->bytes += hdr->caplen;
    if (hdr->caplen < hdr->len) info->cut++;
  }
  if (rc == PCAP_ERROR) {
    *error = path + ": damaged after " + std::to_string(info->packets) + " packets (" +
             pcap_geterr(p) + ")";
    pcap_close(p);
    return false;
  }
  pcap_close(p);
  return true;
}

bool CheckWritable(const std::string& path, std::string* error) {
  FILE* f = std::fopen(path.c_str(), "ab");
  if (f == nullptr) {
    *error = path + ": cannot write (" + std::strerror(errno) + ")";
    return false;
  }
  std::fclose(f);
  return true;
}

bool CheckDevargsSafe(const std::string& path, std::string* error) {
  if (path.find_first_of(",") == std::string::npos) return true;
  *error = path + ": DPDK device arguments cannot carry a path containing ','";
  return false;
}

}  // namespace spamwall
