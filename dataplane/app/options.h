// Command line of spamwall-dataplane:
//   offline: --policy P.yaml | --policy-image G.img --pcap-in IN.pcap --pcap-out PASS.pcap
//            [--pcap-drop DROP.pcap] [--stats-json STATS.json] [--events EVENTS.jsonl]
//            [--scan-bytes N] [-v]
//   live:    --profile hw-profiles/X.yaml [--policy-image G.img] [--policy P.yaml] [--stats-json F]
//            [--stats-interval S] [--duration S] [--control-socket PATH]
//            [--drop-capture] [--sampler-lcores N] [--events EVENTS.jsonl] [--scan-bytes N]
//            [-v] -- EAL ARGS
#ifndef SPAMWALL_DATAPLANE_APP_OPTIONS_H_
#define SPAMWALL_DATAPLANE_APP_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace spamwall {

struct Options {
  bool offline = false;
  std::string policy_image;  // a compiled generation to boot from (tried before --policy)
  std::string policy, pcap_in, pcap_out, pcap_drop, stats_json, profile;
  std::string control_socket;  // live: where controld loads policies; empty = none
  bool drop_capture = false;   // live: the last port gets every dropped frame
  std::string events;          // SMTP session and message events, JSON lines (docs/events.md)
  int sampler_lcores = -1;     // live: lcores for the SMTP sampler; -1: 1 if an lcore is spare
  uint64_t scan_bytes = 4u << 20;  // of each sampled message, scanned with the signatures
  double duration_s = 0;        // live: 0 = until SIGINT/SIGTERM
  double stats_interval_s = 5;  // live: report period
  bool verbose = false;
  std::vector<std::string> eal_args;  // live: what follows "--"
};

extern const char kUsage[];

// Returns false with *error naming the bad argument.
bool ParseOptions(int argc, char** argv, Options* out, std::string* error);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_OPTIONS_H_
