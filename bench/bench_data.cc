// spamwall-bench-data: the policy and the traffic the benchmark suite runs,
// seeded and reproducible. A policy of N synthetic prefixes (prefix_set.h:
// 70% consumer, 20% business, 10% internal) plus the hosts of the mix's
// active subscribers as host routes inside them, so that every mail-port
// lookup walks to the deepest level; a few of those hosts quarantined or
// exempted. The traffic mix (tests/traffic) drawn from those hosts, written
// as a pcap, with the count per verdict reason the policy must give it
// (mix.json): the suite's verdict-aware check compares the dataplane's
// counters with these. Every frame's label is checked against the reference
// verdict before anything is written; a mismatch is this tool's bug and
// fails it.
#include <cstdio>
#include <cstdlib>
#include <cerrno>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/prefix_set.h"
#include "control/policy/policy_loader.h"
#include "dataplane/core/verdict.h"
#include "tests/traffic/pcap_file.h"
#include "tests/traffic/traffic_mix.h"

namespace spamwall::bench {
namespace {

constexpr char kUsage[] =
    "usage: spamwall-bench-data --out DIR [options]\n"
    "  --prefixes N    synthetic prefixes besides the subscriber hosts (default 1000000;\n"
    "                  half IPv4, half IPv6; 0 allowed)\n"
    "  --packets N     frames in the mix (default 4096)\n"
    "  --flows N       concurrent flows (default 4096)\n"
    "  --max-frame N   cut payloads to at most N-byte frames (default 60: the 64-byte\n"
    "                  mix; 0 keeps the realistic sizes)\n"
    "  --seed S        seed of prefixes and traffic (default 1)\n"
    "Writes DIR/policy.yaml with its pool files, DIR/mix.pcap and DIR/mix.json.\n";

constexpr size_t kConsumerHosts = 3000, kBusinessHosts = 800, kQuarantined = 16, kExempt = 16;

int Usage(const std::string& error) {
  std::fprintf(stderr, "spamwall-bench-data: %s\n%s", error.c_str(), kUsage);
  return 2;
}

bool ParseCount(const char* text, uint64_t max, uint64_t* out) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || errno != 0 || text[0] == '-' || v > max) return false;
  *out = v;
  return true;
}

struct Options {
  std::string out;
  uint64_t prefixes = 1'000'000, packets = 4096, flows = 4096, max_frame = 60, seed = 1;
};

void WriteLines(const std::string& path, const std::vector<Prefix>& prefixes) {
  std::ofstream f(path);
  for (const Prefix& p : prefixes) f << FormatPrefix(p) << '\n';
  if (!f) throw std::runtime_error("cannot write " + path);
}

int Run(const Options& o) {
  std::filesystem::create_directories(o.out);
  std::mt19937_64 rng(o.seed * 7919 + 17);
  std::vector<Prefix> set = MakePrefixes(o.prefixes / 2, o.prefixes - o.prefixes / 2, o.seed);
  // Exact host routes already in the set must not be picked again.
  std::set<std::string> taken;
  for (const Prefix& p : set)
    if (p.length == p.max_length()) taken.insert(FormatPrefix(p));

  // Host routes for active subscribers, each inside a prefix of its class
  // (WritePolicyWithPools' split: i % 10 < 7 consumer, < 9 business), so the
  // lookup walks as deep as the longest prefix above it; with no set, in
  // 0.0.0.0/1 or 2a00::/16.
  auto pick_hosts = [&](size_t count, bool consumer) {
    std::vector<Prefix> hosts;
    for (size_t tries = 0; hosts.size() < count && tries < count * 100; tries++) {
      Prefix inside;
      if (!set.empty()) {
        size_t i = rng() % set.size();
        if ((i % 10 < 7) != consumer || i % 10 == 9) continue;
        inside = set[i];
      } else {
        inside.family = rng() % 10 < 7 ? 4 : 6;
        inside.length = inside.family == 4 ? 1 : 16;
        inside.addr[0] = inside.family == 4 ? 0x00 : 0x2a;
      }
      Prefix h = AddressIn(inside, rng());
      if (inside.family == 4 && h.addr[0] == 0) h.addr[0] = 1;
      if (taken.insert(FormatPrefix(h)).second) hosts.push_back(h);
    }
    return hosts;
  };
  std::vector<Prefix> consumer_hosts = pick_hosts(kConsumerHosts + kQuarantined + kExempt, true);
  std::vector<Prefix> business_hosts = pick_hosts(kBusinessHosts, false);
  if (consumer_hosts.size() <= kQuarantined + kExempt)
    throw std::runtime_error("too few consumer prefixes for the mix's subscribers");
  std::vector<Prefix> quarantined(consumer_hosts.end() - kQuarantined - kExempt,
                                  consumer_hosts.end() - kExempt);
  std::vector<Prefix> exempt(consumer_hosts.end() - kExempt, consumer_hosts.end());

  std::vector<Prefix> consumer, business, internal;
  for (size_t i = 0; i < set.size(); i++)
    (i % 10 < 7 ? consumer : i % 10 < 9 ? business : internal).push_back(set[i]);
  consumer.insert(consumer.end(), consumer_hosts.begin(), consumer_hosts.end());
  business.insert(business.end(), business_hosts.begin(), business_hosts.end());
  // The subscribers are the ISP's own space: internal (the MX fence needs it).
  internal.insert(internal.end(), consumer_hosts.begin(), consumer_hosts.end());
  internal.insert(internal.end(), business_hosts.begin(), business_hosts.end());
  WriteLines(o.out + "/consumer.txt", consumer);
  WriteLines(o.out + "/business.txt", business);
  WriteLines(o.out + "/internal.txt", internal);
  WriteLines(o.out + "/quarantine.txt", quarantined);
  std::string yaml =
      "# Written by spamwall-bench-data --prefixes " + std::to_string(o.prefixes) + " --seed " +
      std::to_string(o.seed) +
      "\nversion: 1\n"
      "subscribers:\n"
      "  consumer: {file: consumer.txt}\n"
      "  business: {file: business.txt}\n"
      "internal: {file: internal.txt}\n"
      "mail:\n"
      "  mx_servers: [198.51.100.25, 198.51.100.26]\n"
      "  authorized_relays: [198.51.100.10, 198.51.100.11]\n"
      "quarantine: {file: quarantine.txt}\n"
      "exemptions:\n";
  for (const Prefix& p : exempt)
    yaml += "  - {prefix: " + FormatPrefix(p) +
            ", owner: bench, reason: exempted host of the benchmark mix, expires: 2099-12-31}\n";
  const std::string policy_path = o.out + "/policy.yaml";
  std::ofstream(policy_path) << yaml;

  traffic::TrafficMixOptions mix;
  mix.seed = o.seed;
  mix.packets = o.packets;
  mix.flows = o.flows;
  mix.max_frame = o.max_frame;
  mix.pools = traffic::ExamplePools();
  mix.pools.consumer.assign(consumer_hosts.begin(), consumer_hosts.end() - kQuarantined - kExempt);
  mix.pools.business = business_hosts;
  mix.pools.quarantine = quarantined;
  mix.pools.exempt = exempt;
  std::vector<traffic::TrafficPacket> packets = traffic::GenerateLabeledTrafficMix(mix);

  Diagnostics diag;
  std::unique_ptr<CompiledPolicy> policy = LoadAndCompile(policy_path, CompileOptions{}, &diag);
  if (!policy) {
    std::fprintf(stderr, "spamwall-bench-data: the policy it wrote is refused:\n%s",
                 diag.ToString().c_str());
    return 1;
  }
  std::map<std::string, uint64_t> expect;
  for (int r = 0; r < SW_REASON_COUNT; r++) expect[std::string(ReasonName(r))] = 0;
  std::map<std::string, uint64_t> kinds;
  std::vector<std::vector<uint8_t>> frames;
  uint64_t mail = 0, bytes = 0;
  for (size_t i = 0; i < packets.size(); i++) {
    const traffic::TrafficPacket& p = packets[i];
    sw_parsed parsed;
    const uint32_t len = static_cast<uint32_t>(p.frame.size());
    const Verdict v = ClassifyFrame(*policy, p.frame.data(), len, len, &parsed);
    if (v.reason != p.expect_reason) {
      std::fprintf(stderr, "spamwall-bench-data: frame %zu (%s) is labelled %s, the policy says %s\n",
                   i, traffic::FlowKindName(p.kind), std::string(ReasonName(p.expect_reason)).c_str(),
                   std::string(ReasonName(v.reason)).c_str());
      return 1;
    }
    expect[std::string(ReasonName(p.expect_reason))]++;
    kinds[traffic::FlowKindName(p.kind)]++;
    mail += traffic::IsMailPortKind(p.kind);
    bytes += p.frame.size();
    frames.push_back(p.frame);
  }
  traffic::WritePcap(o.out + "/mix.pcap", frames);
  nlohmann::json j = {{"schema", "spamwall-bench-data/1"},
                      {"seed", o.seed},
                      {"prefixes", o.prefixes},
                      {"subscriber_hosts", consumer_hosts.size() + business_hosts.size()},
                      {"policy_prefixes_v4", policy->summary.distinct_prefixes_v4},
                      {"policy_prefixes_v6", policy->summary.distinct_prefixes_v6},
                      {"frames", frames.size()},
                      {"bytes", bytes},
                      {"max_frame", o.max_frame},
                      {"mail_port_frames", mail},
                      {"expect", expect},
                      {"kinds", kinds}};
  std::ofstream(o.out + "/mix.json") << j.dump(2) << '\n';
  std::printf("%s: %zu frames (%.1f bytes average, %.1f%% on mail ports), policy of %zu + %zu prefixes\n",
              o.out.c_str(), frames.size(), frames.empty() ? 0.0 : double(bytes) / frames.size(),
              frames.empty() ? 0.0 : 100.0 * mail / frames.size(), policy->summary.distinct_prefixes_v4,
              policy->summary.distinct_prefixes_v6);
  return 0;
}

}  // namespace
}  // namespace spamwall::bench

int main(int argc, char** argv) {
  spamwall::bench::Options o;
  for (int i = 1; i < argc; i++) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(spamwall::bench::kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) return spamwall::bench::Usage("missing value after " + std::string(arg));
    const char* v = argv[++i];
    bool ok = true;
    if (arg == "--out") o.out = v;
    else if (arg == "--prefixes") ok = spamwall::bench::ParseCount(v, 20'000'000, &o.prefixes);
    else if (arg == "--packets") ok = spamwall::bench::ParseCount(v, 10'000'000, &o.packets) && o.packets > 0;
    else if (arg == "--flows") ok = spamwall::bench::ParseCount(v, 10'000'000, &o.flows) && o.flows > 0;
    else if (arg == "--max-frame") ok = spamwall::bench::ParseCount(v, 65535, &o.max_frame) && (o.max_frame == 0 || o.max_frame >= 60);
    else if (arg == "--seed") ok = spamwall::bench::ParseCount(v, UINT64_MAX, &o.seed);
    else return spamwall::bench::Usage("unknown option " + std::string(arg));
    if (!ok) return spamwall::bench::Usage("bad value for " + std::string(arg) + ": " + v);
  }
  if (o.out.empty()) return spamwall::bench::Usage("--out DIR is required");
  try {
    return spamwall::bench::Run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "spamwall-bench-data: %s\n", e.what());
    return 1;
  }
}
