#include "dataplane/app/options.h"

#include <charconv>
#include <cstring>

namespace spamwall {

const char kUsage[] =
    "usage:\n"
    "  spamwall-dataplane --policy P.yaml --pcap-in IN.pcap --pcap-out PASS.pcap\n"
    "                     [--pcap-drop DROP.pcap] [--stats-json STATS.json]\n"
    "                     [--events EVENTS.jsonl] [--scan-bytes N] [-v]\n"
    "      offline: run the dataplane over DPDK net_pcap ports (no hugepages, no PCI)\n"
    "  spamwall-dataplane --profile hw-profiles/X.yaml [--policy-image G.img] [--policy P.yaml]\n"
    "                     [--stats-json F]\n"
    "                     [--stats-interval SECONDS] [--duration SECONDS]\n"
    "                     [--control-socket PATH] [--drop-capture]\n"
    "                     [--sampler-lcores N] [--events EVENTS.jsonl] [--scan-bytes N]\n"
    "                     [-v] -- EAL ARGS\n"
    "      live: forward between port pairs (0<->1, 2<->3, ...) until SIGINT/SIGTERM;\n"
    "      --control-socket: spamwall-controld pushes policies there (mode 0600);\n"
    "      --drop-capture: the last port (odd count) transmits every dropped frame\n"
    "      --sampler-lcores N: EAL lcores for the SMTP sampler (default: 1 when an\n"
    "      EAL lcore is left after the workers, else 0; 0: no sampling)\n"
    "  --events EVENTS.jsonl: the sampler's SMTP session and message events, one JSON\n"
    "      object a line (docs/events.md); the policy's sampling: says which flows\n"
    "      are sampled (smtp_flow_rate: 1 in N, watch: every flow of those subscribers)\n"
    "  --scan-bytes N: bytes of each sampled message scanned with the policy's\n"
    "      signatures (default 4194304); a longer message's event says hits_truncated\n"
    "  --policy-image G.img: boot from a compiled generation (spamwall-compile, or\n"
    "      spamwall-controld's state_dir/live); --policy is used where it does not load.\n"
    "      Live mode with neither usable comes up in the safe state: everything\n"
    "      forwarded, monitor semantics, reported in the log and stats.\n";

bool ParseOptions(int argc, char** argv, Options* out, std::string* error) {
  *out = Options{};
  auto seconds = [&](const char* flag, const char* text, double* v) {
    auto [end, ec] = std::from_chars(text, text + std::strlen(text), *v);
    if (ec != std::errc() || *end != '\0' || *v < 0) {
      *error = std::string(flag) + ": '" + text + "' is not a number of seconds";
      return false;
    }
    return true;
  };
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--") {
      for (int j = i + 1; j < argc; j++) out->eal_args.push_back(argv[j]);
      break;
    }
    if (a == "-v" || a == "--verbose") {
      out->verbose = true;
      continue;
    }
    if (a == "--drop-capture") {
      out->drop_capture = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      *error = "help";
      return false;
    }
    std::string* target = a == "--policy"       ? &out->policy
                          : a == "--policy-image" ? &out->policy_image
                          : a == "--pcap-in"    ? &out->pcap_in
                          : a == "--pcap-out"   ? &out->pcap_out
                          : a == "--pcap-drop"  ? &out->pcap_drop
                          : a == "--stats-json" ? &out->stats_json
                          : a == "--profile"    ? &out->profile
                          : a == "--control-socket" ? &out->control_socket
                          : a == "--events"     ? &out->events
                                                : nullptr;
    bool is_seconds = a == "--duration" || a == "--stats-interval";
    if (a == "--sampler-lcores") {
      if (i + 1 >= argc) {
        *error = a + " needs a value";
        return false;
      }
      const char* v = argv[++i];
      int n = 0;
      auto [end, ec] = std::from_chars(v, v + std::strlen(v), n);
      if (ec != std::errc() || *end != '\0' || n < 0 || n > 8) {
        *error = std::string("--sampler-lcores: '") + v + "' is not a number of lcores from 0 to 8";
        return false;
      }
      out->sampler_lcores = n;
      continue;
    }
    if (a == "--scan-bytes") {
      if (i + 1 >= argc) {
        *error = a + " needs a value";
        return false;
      }
      const char* v = argv[++i];
      auto [end, ec] = std::from_chars(v, v + std::strlen(v), out->scan_bytes);
      if (ec != std::errc() || *end != '\0' || out->scan_bytes == 0) {
        *error = std::string("--scan-bytes: '") + v + "' is not a number of bytes (1 or more)";
        return false;
      }
      continue;
    }
    if (target == nullptr && !is_seconds) {
      *error = "unknown argument '" + a + "'";
      return false;
    }
    if (i + 1 >= argc) {
      *error = a + " needs a value";
      return false;
    }
    const char* value = argv[++i];
    if (target) {
      *target = value;
    } else if (!seconds(a.c_str(), value,
                        a == "--duration" ? &out->duration_s : &out->stats_interval_s)) {
      return false;
    }
  }
  out->offline = !out->pcap_in.empty();
  if (out->offline) {
    if (out->policy.empty() && out->policy_image.empty()) {
      *error = "offline mode needs --policy or --policy-image";
      return false;
    }
    if (out->pcap_out.empty()) {
      *error = "offline mode (--pcap-in) needs --pcap-out";
      return false;
    }
    if (!out->control_socket.empty() || out->drop_capture || out->sampler_lcores >= 0) {
      *error = "--control-socket, --drop-capture and --sampler-lcores are for live mode "
               "(offline: --pcap-drop; the sampler runs in the one offline loop)";
      return false;
    }
    if (!out->eal_args.empty() || !out->profile.empty()) {
      *error = "offline mode sets up its own EAL and net_pcap ports: drop --profile and '-- EAL ARGS'";
      return false;
    }
  } else {
    if (out->profile.empty()) {
      *error = "give --pcap-in/--pcap-out (offline) or --profile and '-- EAL ARGS' (live)";
      return false;
    }
    if (!out->pcap_out.empty() || !out->pcap_drop.empty()) {
      *error = "--pcap-out/--pcap-drop need --pcap-in (offline mode)";
      return false;
    }
  }
  if (out->stats_interval_s <= 0) {
    *error = "--stats-interval must be positive";
    return false;
  }
  return true;
}

}  // namespace spamwall
