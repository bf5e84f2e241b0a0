// spamwall-make-traffic-pcap: writes the traffic mix (traffic_mix.h) or the
// packet fixtures (tests/fixtures/packets.yaml) as an Ethernet pcap, for the
// demos (examples/traffic.pcap), net_pcap ports and benchmarks.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/policy/policy_loader.h"
#include "tests/fixtures/fixture.h"
#include "tests/traffic/pcap_file.h"
#include "tests/traffic/traffic_mix.h"

namespace {

constexpr char kUsage[] =
    "usage: spamwall-make-traffic-pcap --out FILE [options]\n"
    "  --packets N      packets of traffic mix (default 5000)\n"
    "  --seed S         generator seed (default 1); the same seed gives the same file\n"
    "  --flows N        concurrent flows (default: packets / 8, at least 1)\n"
    "  --mtu N          IP MTU of the link (default 1500)\n"
    "  --ipv6-share X   share of IPv6 flows where both ends have IPv6 (default 0.3)\n"
    "  --max-frame N    cut payloads so no frame exceeds N bytes (60: the 64-byte\n"
    "                   mix, with the FCS); headers and verdicts unchanged\n"
    "  --policy FILE    draw addresses from this policy's lists (default: the pools\n"
    "                   of examples/policy.yaml); external hosts are documentation space\n"
    "  --fixtures FILE  write every fixture of a packets.yaml instead of the mix\n";

int Usage(const char* error) {
  if (error) std::fprintf(stderr, "spamwall-make-traffic-pcap: %s\n", error);
  std::fputs(kUsage, error ? stderr : stdout);
  return 2;
}

bool ParseNumber(const char* text, double min, double max, double* out) {
  char* end = nullptr;
  double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || v < min || v > max) return false;
  *out = v;
  return true;
}

bool ParseSeed(const char* text, uint64_t* out) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || errno != 0 || text[0] == '-') return false;
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace spamwall;
  std::string out, policy_path, fixtures_path;
  traffic::TrafficMixOptions options;
  options.packets = 5000;
  bool flows_given = false;
  for (int i = 1; i < argc; i++) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      Usage(nullptr);
      return 0;
    }
    if (i + 1 >= argc) return Usage(("missing value after " + std::string(arg)).c_str());
    const char* value = argv[++i];
    double v = 0;
    if (arg == "--out") out = value;
    else if (arg == "--policy") policy_path = value;
    else if (arg == "--fixtures") fixtures_path = value;
    else if (arg == "--packets" && ParseNumber(value, 1, 1e9, &v)) options.packets = static_cast<size_t>(v);
    else if (arg == "--seed" && ParseSeed(value, &options.seed)) continue;
    else if (arg == "--flows" && ParseNumber(value, 1, 1e9, &v)) options.flows = static_cast<size_t>(v), flows_given = true;
    else if (arg == "--mtu" && ParseNumber(value, 576, 9000, &v)) options.mtu = static_cast<uint16_t>(v);
    else if (arg == "--ipv6-share" && ParseNumber(value, 0, 1, &v)) options.ipv6_share = v;
    else if (arg == "--max-frame" && ParseNumber(value, 60, 65535, &v)) options.max_frame = static_cast<size_t>(v);
    else return Usage(("bad option or value: " + std::string(arg) + " " + value).c_str());
  }
  if (out.empty()) return Usage("--out FILE is required");
  if (!flows_given) options.flows = std::max<size_t>(1, options.packets / 8);

  try {
    std::vector<std::vector<uint8_t>> frames;
    std::map<std::string, size_t> kinds;
    if (!fixtures_path.empty()) {
      for (fixtures::PacketFixture& fx : fixtures::LoadFixtureFile(fixtures_path).fixtures)
        frames.push_back(std::move(fx.frame));
    } else {
      if (!policy_path.empty()) {
        Diagnostics diag;
        std::optional<Policy> policy = LoadPolicyFile(policy_path, &diag);
        if (!policy) {
          std::fprintf(stderr, "%s", diag.ToString().c_str());
          return 1;
        }
        options.pools = traffic::PoolsFromPolicy(*policy, TodayUtc(), traffic::DocumentationExternals());
      }
      for (traffic::TrafficPacket& p : traffic::GenerateLabeledTrafficMix(options)) {
        kinds[traffic::FlowKindName(p.kind)]++;
        frames.push_back(std::move(p.frame));
      }
    }
    traffic::WritePcap(out, frames);
    size_t bytes = 0;
    for (const auto& f : frames) bytes += f.size();
    std::printf("wrote %zu frames (%zu bytes of frames) to %s\n", frames.size(), bytes, out.c_str());
    for (const auto& [name, count] : kinds)
      std::printf("  %-18s %7zu  %5.1f%%\n", name.c_str(), count, 100.0 * count / frames.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "spamwall-make-traffic-pcap: %s\n", e.what());
    return 1;
  }
  return 0;
}
