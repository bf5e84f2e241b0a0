// The traffic mix: deterministic, one packet in seven on a mail port, every
// frame parses as labelled, and the example policy decides what the labels
// say. Plus the pcap round trip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>

#include "control/policy/policy_loader.h"
#include "dataplane/core/verdict.h"
#include "tests/traffic/pcap_file.h"
#include "tests/traffic/traffic_mix.h"

namespace spamwall::traffic {
namespace {

std::string RepoDir() {
  if (const char* dir = std::getenv("SPAMWALL_SOURCE_DIR"); dir && *dir) return dir;
  return SPAMWALL_TRAFFIC_REPO_DIR;
}

std::string ExamplePolicyPath() { return RepoDir() + "/examples/policy.yaml"; }

TrafficMixOptions Options(uint64_t seed, size_t packets) {
  TrafficMixOptions o;
  o.seed = seed;
  o.packets = packets;
  o.flows = packets / 8;
  return o;
}

const std::vector<TrafficPacket>& Mix() {
  static const auto* mix = new std::vector<TrafficPacket>(GenerateLabeledTrafficMix(Options(7, 30000)));
  return *mix;
}

sw_parsed Parse(const std::vector<uint8_t>& frame) {
  sw_parsed p;
  sw_parse_frame(frame.data(), static_cast<uint32_t>(frame.size()),
                 static_cast<uint32_t>(frame.size()), &p);
  return p;
}

bool OnMailPort(const sw_parsed& p) {
  auto mail = [](uint16_t port) { return port == 25 || port == 465 || port == 587; };
  return p.has_ports && (mail(p.sport) || mail(p.dport));
}

TEST(TrafficMix, SameSeedSameFramesOtherSeedOtherFrames) {
  TrafficMixOptions o = Options(42, 3000);
  std::vector<std::vector<uint8_t>> a = GenerateTrafficMix(o);
  std::vector<std::vector<uint8_t>> b = GenerateTrafficMix(o);
  ASSERT_EQ(a.size(), 3000u);
  EXPECT_TRUE(a == b);
  o.seed = 43;
  EXPECT_FALSE(a == GenerateTrafficMix(o));
}

TEST(TrafficMix, AboutOnePacketInSevenIsOnAMailPort) {
  size_t mail = 0;
  for (const TrafficPacket& p : Mix()) {
    bool on_mail_port = OnMailPort(Parse(p.frame));
    mail += on_mail_port;
    EXPECT_EQ(on_mail_port, IsMailPortKind(p.kind)) << FlowKindName(p.kind);
  }
  double share = static_cast<double>(mail) / Mix().size();
  EXPECT_GT(share, 0.125) << share;
  EXPECT_LT(share, 0.16) << share;
}

TEST(TrafficMix, EveryFrameParsesAsLabelled) {
  std::set<FlowKind> kinds;
  size_t vlan = 0, qinq = 0, pppoe = 0, v6 = 0, non_first = 0, first_fragments = 0;
  for (const TrafficPacket& p : Mix()) {
    sw_parsed parsed = Parse(p.frame);
    kinds.insert(p.kind);
    ASSERT_NE(parsed.l3, SW_L3_NONE) << FlowKindName(p.kind);
    EXPECT_EQ(parsed.malformed != SW_MALFORMED_NONE, p.kind == FlowKind::kMalformed)
        << FlowKindName(p.kind) << " " << MalformedName(parsed.malformed);
    EXPECT_LE(p.frame.size(), 1514u + 8) << FlowKindName(p.kind);
    if (p.kind != FlowKind::kMalformed) {
      EXPECT_GE(p.frame.size(), 60u);
    }
    vlan += parsed.vlan_tags == 1;
    qinq += parsed.vlan_tags == 2;
    pppoe += parsed.pppoe;
    v6 += parsed.l3 == SW_L3_IPV6;
    non_first += parsed.non_first_fragment;
    first_fragments += p.kind == FlowKind::kFragment && !parsed.non_first_fragment;
  }
  EXPECT_EQ(kinds.size(), static_cast<size_t>(FlowKind::kCount));
  EXPECT_GT(vlan, 0u);
  EXPECT_GT(qinq, 0u);
  EXPECT_GT(pppoe, 0u);
  EXPECT_GT(v6, Mix().size() / 10);
  EXPECT_GT(non_first, 0u);
  EXPECT_GT(first_fragments, 0u);
}

TEST(TrafficMix, WebCarriesMostBytes) {
  std::map<FlowKind, size_t> bytes;
  size_t total = 0;
  for (const TrafficPacket& p : Mix()) {
    bytes[p.kind] += p.frame.size();
    total += p.frame.size();
  }
  for (const auto& [kind, n] : bytes) {
    if (kind != FlowKind::kWeb) {
      EXPECT_GT(bytes[FlowKind::kWeb], n) << FlowKindName(kind);
    }
  }
  EXPECT_GT(bytes[FlowKind::kWeb], total * 4 / 10);
}

TEST(TrafficMix, ExamplePolicyDecidesWhatTheLabelsSay) {
  Diagnostics diag;
  std::unique_ptr<CompiledPolicy> policy = LoadAndCompile(ExamplePolicyPath(), {}, &diag);
  ASSERT_TRUE(policy) << diag.ToString();
  std::map<uint8_t, size_t> reasons;
  for (const TrafficPacket& p : Mix()) {
    sw_parsed parsed;
    uint32_t len = static_cast<uint32_t>(p.frame.size());
    Verdict v = ClassifyFrame(*policy, p.frame.data(), len, len, &parsed);
    reasons[v.reason]++;
    EXPECT_EQ(ReasonName(v.reason), ReasonName(p.expect_reason)) << FlowKindName(p.kind);
    EXPECT_EQ(v.drop, p.expect_reason != SW_REASON_NONE) << FlowKindName(p.kind);
  }
  for (uint8_t r = 0; r < SW_REASON_COUNT; r++) EXPECT_GT(reasons[r], 0u) << ReasonName(r);
}

// The 64-byte mix: the same packets cut to 60 bytes (or their headers),
// each still judged as its label says.
TEST(TrafficMix, MaxFrameCutsPayloadsNotVerdicts) {
  Diagnostics diag;
  std::unique_ptr<CompiledPolicy> policy = LoadAndCompile(ExamplePolicyPath(), {}, &diag);
  ASSERT_TRUE(policy) << diag.ToString();
  TrafficMixOptions o = Options(7, 5000);
  o.max_frame = 60;
  const std::vector<TrafficPacket> cut = GenerateLabeledTrafficMix(o);
  const std::vector<TrafficPacket> whole = GenerateLabeledTrafficMix(Options(7, 5000));
  ASSERT_EQ(cut.size(), whole.size());
  size_t at_60 = 0;
  for (size_t i = 0; i < cut.size(); i++) {
    const TrafficPacket& p = cut[i];
    EXPECT_EQ(p.kind, whole[i].kind);
    EXPECT_LE(p.frame.size(), whole[i].frame.size());
    at_60 += p.frame.size() == 60;
    const sw_parsed a = Parse(p.frame), b = Parse(whole[i].frame);
    EXPECT_EQ(a.l3, b.l3);
    EXPECT_EQ(a.dport, b.dport);
    sw_parsed parsed;
    uint32_t len = static_cast<uint32_t>(p.frame.size());
    Verdict v = ClassifyFrame(*policy, p.frame.data(), len, len, &parsed);
    EXPECT_EQ(ReasonName(v.reason), ReasonName(p.expect_reason)) << FlowKindName(p.kind) << " #" << i;
    // Longer than 60 only when the headers alone are (IPv6, tags, TCP options).
    if (p.frame.size() > 60 && !a.malformed && p.kind != FlowKind::kFragment && a.l3 != SW_L3_NONE) {
      uint32_t header = a.l4_proto == SW_IPPROTO_TCP ? (p.frame[a.l4_offset + 12] >> 4) * 4u
                        : a.l4_proto == 17            ? 8u
                                                      : a.l4_length;
      EXPECT_EQ(a.l4_length, header) << FlowKindName(p.kind) << " #" << i;
    }
  }
  EXPECT_GT(at_60, cut.size() / 2);
}

TEST(TrafficMix, ExamplePoolsAreThoseOfExamplesPolicy) {
  Diagnostics diag;
  std::optional<Policy> policy = LoadPolicyFile(ExamplePolicyPath(), &diag);
  ASSERT_TRUE(policy) << diag.ToString();
  AddressPools from_file = PoolsFromPolicy(*policy, TodayUtc(), DocumentationExternals());
  AddressPools built_in = ExamplePools();
  EXPECT_EQ(from_file.consumer, built_in.consumer);
  EXPECT_EQ(from_file.business, built_in.business);
  EXPECT_EQ(from_file.mx_servers, built_in.mx_servers);
  EXPECT_EQ(from_file.authorized_relays, built_in.authorized_relays);
  EXPECT_EQ(from_file.quarantine, built_in.quarantine);
  EXPECT_EQ(from_file.exempt, built_in.exempt);
}

TEST(TrafficMix, PoolsWithoutIpv6OrMxStillGenerate) {
  TrafficMixOptions o = Options(3, 2000);
  o.pools.consumer.resize(1);  // 100.64.0.0/10 only
  o.pools.business.clear();
  o.pools.mx_servers.clear();
  o.pools.exempt.clear();
  std::vector<TrafficPacket> mix = GenerateLabeledTrafficMix(o);
  ASSERT_EQ(mix.size(), 2000u);
  for (const TrafficPacket& p : mix) {
    EXPECT_NE(p.kind, FlowKind::kConsumerToMx);
    EXPECT_NE(p.kind, FlowKind::kBusinessSmtp);
    EXPECT_NE(Parse(p.frame).l3, SW_L3_NONE);
  }
}

TEST(PcapFile, RoundTrip) {
  std::vector<std::vector<uint8_t>> frames = GenerateTrafficMix(Options(5, 500));
  frames.push_back({});  // an empty frame survives too
  std::string path = ::testing::TempDir() + "/traffic_mix_test.pcap";
  WritePcap(path, frames);
  std::vector<PcapPacket> back = ReadPcap(path);
  ASSERT_EQ(back.size(), frames.size());
  for (size_t i = 0; i < frames.size(); i++) {
    EXPECT_EQ(back[i].data, frames[i]) << i;
    EXPECT_EQ(back[i].wire_length, frames[i].size());
  }
  EXPECT_EQ(back[1].time_us - back[0].time_us, PcapWriteOptions{}.interval_us);
  EXPECT_EQ(ReadPcapFrames(path), frames);
  std::remove(path.c_str());
}

TEST(PcapFile, ErrorsNameTheFile) {
  try {
    ReadPcap("/nonexistent/in.pcap");
    FAIL() << "no error";
  } catch (const PcapError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/in.pcap"), std::string::npos) << e.what();
  }
  try {
    WritePcap("/nonexistent/out.pcap", std::vector<std::vector<uint8_t>>{{1, 2, 3}});
    FAIL() << "no error";
  } catch (const PcapError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/out.pcap"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace spamwall::traffic
