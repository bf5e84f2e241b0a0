// The sampler's throughput on one core: real SMTP captures (postfix and
// swaks, scripts/capture-smtp) read as TCP segments and fed through the flow
// table (reassembly, the SMTP parser, the message hash), as the sampler lcore
// does after its ring; MB/s of TCP payload and messages/s. And a flood: a
// million SYNs from distinct tuples into a default table, with the process's
// peak RSS, which must stay at the table's fixed size.
//
//   build/bench/sampler_benchmark [--benchmark_...] [PCAP...]
//
// With no PCAP: the small fixtures of tests/fixtures/smtp/ (one to three
// short messages each). `scripts/capture-smtp` writes
// build/smtp-corpus/corpus.pcap (200 SpamAssassin corpus messages), the
// representative one.
#include <sys/resource.h>

#include <cstdio>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "dataplane/sampler/flow_table.h"
#include "dataplane/sampler/tcp_segment.h"
#include "dataplane/smtp/smtp_parser.h"
#include "tests/traffic/pcap_file.h"

namespace {

using spamwall::sampler::FlowTable;
using spamwall::sampler::FlowTableConfig;
using spamwall::sampler::TcpSegmentView;

class CountingSink : public spamwall::smtp::SmtpEventSink {
 public:
  void OnSession(const spamwall::smtp::SmtpSessionEvent&) override { sessions++; }
  void OnMessage(const spamwall::smtp::SmtpMessageEvent&) override { messages++; }
  uint64_t sessions = 0, messages = 0;
};

struct Capture {
  std::vector<std::vector<uint8_t>> frames;  // kept: the views point into them
  std::vector<TcpSegmentView> segments;
  std::vector<double> times;
  uint64_t payload_bytes = 0;
};

Capture& Loaded() {
  static Capture c;
  return c;
}

std::vector<std::string>& Paths() {
  static std::vector<std::string> p;
  return p;
}

void Load() {
  Capture& c = Loaded();
  for (const std::string& path : Paths()) {
    for (spamwall::traffic::PcapPacket& p : spamwall::traffic::ReadPcap(path)) {
      c.frames.push_back(std::move(p.data));
      c.times.push_back(static_cast<double>(p.time_us) / 1e6);
    }
  }
  for (const auto& f : c.frames) {
    TcpSegmentView v;
    if (spamwall::sampler::ParseTcpSegment(f.data(), static_cast<uint32_t>(f.size()),
                                           static_cast<uint32_t>(f.size()), &v) ==
        spamwall::sampler::SegmentError::kNone) {
      c.segments.push_back(v);
      c.payload_bytes += v.payload_len;
    }
  }
}

// Every segment of the captures, then every flow closed: one pass of the
// sampler's work over them (the table is reused, as the lcore's is).
void BM_SamplerCaptures(benchmark::State& state) {
  const Capture& c = Loaded();
  CountingSink sink;
  FlowTableConfig config;
  config.capacity = 4096;
  config.is_mail_port = [](uint16_t port) { return port == 25 || port == 587 || port == 465; };
  FlowTable table(config, &sink);
  double t = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < c.segments.size(); i++) table.OnSegment(c.segments[i], t + 1e-6 * i);
    t += 1e-6 * c.segments.size() + 1;
    table.CloseAll(t);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.payload_bytes));
  state.counters["messages/s"] = benchmark::Counter(static_cast<double>(sink.messages), benchmark::Counter::kIsRate);
  state.counters["segments/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * c.segments.size()), benchmark::Counter::kIsRate);
  state.counters["messages/pass"] = static_cast<double>(sink.messages) / static_cast<double>(state.iterations());
}

// A million SYNs from distinct tuples into a default table (65,536 flows):
// evictions, no growth; the peak RSS after it is the table's fixed size
// plus the process.
void BM_SynFlood(benchmark::State& state) {
  CountingSink sink;
  FlowTableConfig config;
  FlowTable table(config, &sink);
  constexpr uint32_t kSyns = 1000000;
  uint32_t round = 0;
  for (auto _ : state) {
    for (uint32_t i = 0; i < kSyns; i++) {
      TcpSegmentView s;
      s.l3 = 4;  // SW_L3_IPV4
      const uint32_t host = (round << 6) ^ (i >> 14);
      s.src[0] = 100;
      s.src[1] = 64 + ((host >> 16) & 63);
      s.src[2] = static_cast<uint8_t>(host >> 8);
      s.src[3] = static_cast<uint8_t>(host);
      s.dst[0] = 192;
      s.dst[3] = 25;
      s.sport = static_cast<uint16_t>(1024 + (i & 16383));
      s.dport = 25;
      s.flags = 0x02;  // SYN
      s.seq = i;
      table.OnSegment(s, round + i * 1e-6);
    }
    round++;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kSyns);
  state.counters["evicted"] = static_cast<double>(table.counters().flows_evicted);
  state.counters["peak_rss_MiB"] = static_cast<double>(ru.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (int i = 1; i < argc; i++) Paths().push_back(argv[i]);
  if (Paths().empty()) {
    const std::string dir = std::string(SPAMWALL_SOURCE_DIR) + "/tests/fixtures/smtp/";
    for (const char* name : {"plain", "pipelined", "multi", "bdat", "starttls", "auth", "ipv6", "gtube"})
      Paths().push_back(dir + name + ".pcap");
  }
  Load();
  std::fprintf(stderr, "%zu segments, %llu payload bytes from %zu capture(s)\n", Loaded().segments.size(),
               static_cast<unsigned long long>(Loaded().payload_bytes), Paths().size());
  benchmark::RegisterBenchmark("BM_SamplerCaptures", BM_SamplerCaptures);
  benchmark::RegisterBenchmark("BM_SynFlood", BM_SynFlood)->Iterations(3)->Unit(benchmark::kMillisecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
