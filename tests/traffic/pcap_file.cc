#include "tests/traffic/pcap_file.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace spamwall::traffic {

namespace {

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

struct DumperCloser {
  void operator()(pcap_dumper_t* d) const { pcap_dump_close(d); }
};
using Dumper = std::unique_ptr<pcap_dumper_t, DumperCloser>;

[[noreturn]] void Fail(const std::string& verb, const std::string& path, const std::string& why) {
  throw PcapError("cannot " + verb + " pcap file '" + path + "': " + why);
}

}  // namespace

void WritePcap(const std::string& path, const std::vector<PcapPacket>& packets, uint32_t snaplen) {
  PcapHandle dead(pcap_open_dead_with_tstamp_precision(DLT_EN10MB, static_cast<int>(snaplen),
                                                       PCAP_TSTAMP_PRECISION_MICRO));
  if (!dead) Fail("write", path, "pcap_open_dead failed");
  Dumper dumper(pcap_dump_open(dead.get(), path.c_str()));
  if (!dumper) Fail("write", path, pcap_geterr(dead.get()));
  for (const PcapPacket& packet : packets) {
    pcap_pkthdr header{};
    header.ts.tv_sec = static_cast<time_t>(packet.time_us / 1000000);
    header.ts.tv_usec = static_cast<suseconds_t>(packet.time_us % 1000000);
    header.caplen = static_cast<bpf_u_int32>(std::min<size_t>(packet.data.size(), snaplen));
    header.len = static_cast<bpf_u_int32>(
        std::max<size_t>(packet.wire_length, packet.data.size()));
    pcap_dump(reinterpret_cast<u_char*>(dumper.get()), &header, packet.data.data());
  }
  if (pcap_dump_flush(dumper.get()) != 0) Fail("write", path, "write error (disk full?)");
  FILE* file = pcap_dump_file(dumper.get());
  if (file == nullptr || std::ferror(file)) Fail("write", path, "write error");
}

void WritePcap(const std::string& path, const std::vector<std::vector<uint8_t>>& frames,
               const PcapWriteOptions& options) {
  std::vector<PcapPacket> packets(frames.size());
  for (size_t i = 0; i < frames.size(); i++) {
    packets[i].data = frames[i];
    packets[i].wire_length = static_cast<uint32_t>(frames[i].size());
    packets[i].time_us = options.start_us + static_cast<int64_t>(i) * options.interval_us;
  }
  WritePcap(path, packets, options.snaplen);
}

std::vector<PcapPacket> ReadPcap(const std::string& path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  PcapHandle p(
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf));
  if (!p) Fail("read", path, errbuf);
  if (int link = pcap_datalink(p.get()); link != DLT_EN10MB)
    Fail("read", path,
         std::string("link type ") + (pcap_datalink_val_to_name(link) ? pcap_datalink_val_to_name(link) : "?") +
             " (" + std::to_string(link) + "), expected Ethernet (EN10MB)");
  std::vector<PcapPacket> packets;
  for (;;) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc = pcap_next_ex(p.get(), &header, &data);
    if (rc == PCAP_ERROR_BREAK) break;  // end of file
    if (rc != 1)
      Fail("read", path, "packet " + std::to_string(packets.size() + 1) + ": " + pcap_geterr(p.get()));
    PcapPacket packet;
    packet.data.assign(data, data + header->caplen);
    packet.wire_length = header->len;
    packet.time_us = static_cast<int64_t>(header->ts.tv_sec) * 1000000 + header->ts.tv_usec;
    packets.push_back(std::move(packet));
  }
  return packets;
}

std::vector<std::vector<uint8_t>> ReadPcapFrames(const std::string& path) {
  std::vector<std::vector<uint8_t>> frames;
  for (PcapPacket& packet : ReadPcap(path)) frames.push_back(std::move(packet.data));
  return frames;
}

}  // namespace spamwall::traffic
