// libFuzzer target: TCP segments from the input (format in README.md).
// Mode 0 checks reassembly against a model: every segment carries the bytes
// of one fixed stream per direction, so every byte delivered must be that
// stream's byte at its offset (gaps skip, never shift), whatever the order,
// overlaps, wraparound, SYN/FIN/RST and limits. Mode 1 sends the input's own
// bytes through a tiny flow table (4 tuples, room for 2) into the SMTP
// parser and checks the table's bounds and bookkeeping.
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "dataplane/sampler/flow_table.h"
#include "dataplane/sampler/tcp_reassembly.h"
#include "dataplane/smtp/sha256.h"

namespace {

using namespace spamwall::sampler;

void Check(bool ok) {
  if (!ok) std::abort();
}

uint8_t Truth(int stream, uint64_t pos) {
  uint64_t h = (static_cast<uint64_t>(stream) << 40 ^ pos) * 0x9e3779b97f4a7c15ull;
  return static_cast<uint8_t>(h >> 56);
}

struct ModelOut : ReassemblyOutput {
  int stream = 0;
  bool based = false;
  uint64_t base = 0;  // the stream offset of the first byte (a mid-stream pickup)
  uint64_t pos = 0;
  void OnBytes(bool, const uint8_t* p, size_t n, double) override {
    Check(based && n > 0);
    for (size_t k = 0; k < n; k++) Check(p[k] == Truth(stream, base + pos + k));
    pos += n;
  }
  void OnGap(bool, uint64_t n, double) override {
    Check(n > 0);
    pos += n;
  }
};

struct Record {
  uint8_t flags, which;
  uint16_t off, len;
  bool cut;  // flags byte bit 5: the capture kept half the payload
};

bool Next(const uint8_t* data, size_t size, size_t* i, Record* r) {
  if (*i + 6 > size) return false;
  const uint8_t* p = data + *i;
  *i += 6;
  r->flags = p[0] & (kTcpFin | kTcpSyn | kTcpRst | kTcpPsh | kTcpAck);
  r->cut = p[0] & 0x20;
  r->which = p[1];
  r->off = static_cast<uint16_t>(p[2] << 8 | p[3]);
  r->len = static_cast<uint16_t>((p[4] << 8 | p[5]) % 1501);
  return true;
}

void Model(const uint8_t* data, size_t size) {
  ReassemblyLimits limits;
  limits.max_ooo_bytes = 4000;
  limits.max_ooo_segments = 6;
  limits.max_ooo_bytes_total = 10000;
  limits.window = 70000;
  limits.max_stream_bytes = 50000;
  ReassemblyCounters counters;
  ModelOut outs[4];
  TcpReassembler rs[4];
  uint32_t isn[4];
  for (int k = 0; k < 4; k++) {
    outs[k].stream = k;
    rs[k].Reset(&outs[k], k & 1, &limits, &counters);
    isn[k] = 0xffff0000u + static_cast<uint32_t>(data[1]) * 0x101u * static_cast<uint32_t>(k + 1);
  }
  std::vector<uint8_t> payload;
  size_t i = 2;
  Record r;
  while (Next(data, size, &i, &r)) {
    const int k = r.which & 3;
    const bool syn = r.flags & kTcpSyn;
    const uint64_t off = syn ? 0 : r.off;  // a SYN's data starts the stream
    ModelOut& o = outs[k];
    if (!o.based && !(r.flags & kTcpRst)) {
      o.based = true;
      o.base = off;
    }
    payload.resize(r.len);
    for (size_t b = 0; b < r.len; b++) payload[b] = Truth(k, off + b);
    const uint32_t seq = syn ? isn[k] : isn[k] + 1 + r.off;
    if (r.cut)
      rs[k].Segment(seq, r.flags, payload.data(), r.len / 2u, 0, r.len);
    else
      rs[k].Segment(seq, r.flags, payload.data(), r.len, 0);
    Check(rs[k].buffered_bytes() <= limits.max_ooo_bytes);
    Check(rs[k].buffered_segments() <= limits.max_ooo_segments);
    Check(counters.ooo_bytes_now <= limits.max_ooo_bytes_total);
    uint64_t sum = 0;
    for (auto& x : rs) sum += x.buffered_bytes();
    Check(sum == counters.ooo_bytes_now);
    Check(!o.based || o.pos == std::min(rs[k].delivered(), limits.max_stream_bytes));
  }
  for (int k = 0; k < 4; k++) {
    rs[k].Flush(0);
    Check(rs[k].buffered_bytes() == 0);
    Check(!outs[k].based || outs[k].pos == std::min(rs[k].delivered(), limits.max_stream_bytes));
  }
  Check(counters.ooo_bytes_now == 0);
}

// Flows interleave in one sink: everything is kept by uid.
struct Sink : spamwall::smtp::SmtpEventSink {
  struct Stream {
    std::string bytes;
    std::deque<std::string> ended;  // the bytes of each message, by its end
  };
  std::map<uint64_t, Stream> streams;
  void OnSession(const spamwall::smtp::SmtpSessionEvent& s) override {
    auto it = streams.find(s.uid);
    Check(it == streams.end() || it->second.ended.empty());
    if (it != streams.end()) streams.erase(it);
  }
  void OnStreamStart(uint64_t uid) override { streams[uid].bytes.clear(); }
  void OnStreamBytes(uint64_t uid, const uint8_t* p, size_t k) override {
    streams[uid].bytes.append(reinterpret_cast<const char*>(p), k);
  }
  void OnStreamEnd(uint64_t uid) override {
    Stream& s = streams[uid];
    s.ended.push_back(std::move(s.bytes));
    s.bytes.clear();
  }
  void OnMessage(const spamwall::smtp::SmtpMessageEvent& m) override {
    Stream& s = streams[m.uid];
    Check(!s.ended.empty());
    const std::string& b = s.ended.front();
    Check(m.size == b.size() &&
          m.sha256 == spamwall::smtp::Sha256::Hex(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
    s.ended.pop_front();
  }
};

void Table(const uint8_t* data, size_t size) {
  FlowTableConfig config;
  config.capacity = 2;
  config.idle_timeout = 30;
  config.reassembly.max_ooo_bytes = 3000;
  config.reassembly.max_ooo_segments = 4;
  config.reassembly.max_ooo_bytes_total = 4000;
  config.smtp.max_header_bytes = 256;
  Sink sink;
  FlowTable table(config, &sink);
  double ts = 0;
  size_t i = 2;
  Record r;
  while (Next(data, size, &i, &r)) {
    TcpSegmentView s;
    s.l3 = 4;
    const int flow = r.which >> 1 & 3;
    const bool from_client = r.which & 1;
    uint8_t c[4] = {100, 64, 0, static_cast<uint8_t>(flow)}, v[4] = {192, 0, 2, 25};
    std::memcpy(from_client ? s.src : s.dst, c, 4);
    std::memcpy(from_client ? s.dst : s.src, v, 4);
    s.sport = from_client ? 40000 : 25;
    s.dport = from_client ? 25 : 40000;
    s.flags = r.flags;
    s.seq = 0xfffff000u + r.off + (from_client ? 0 : 0x100000u);
    const size_t n = std::min<size_t>(r.len, size - i);
    std::vector<uint8_t> payload(data + i, data + i + n);
    i += n;
    s.payload = payload.data();
    s.payload_len = s.wire_payload_len = static_cast<uint32_t>(n);
    ts += (r.which >> 3) & 7;
    table.OnSegment(s, ts);
    if (r.which & 0x80) table.Expire(ts);
    const auto& k = table.counters();
    Check(table.active() <= table.capacity());
    Check(k.reassembly.ooo_bytes_now <= config.reassembly.max_ooo_bytes_total);
    Check(k.flows_created == k.flows_active + k.flows_closed + k.flows_timed_out + k.flows_evicted + k.flows_reused);
  }
  table.CloseAll(ts + 1);
  Check(table.active() == 0 && table.counters().reassembly.ooo_bytes_now == 0);
  for (const auto& [uid, s] : sink.streams) Check(s.ended.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  if (data[0] & 1)
    Table(data, size);
  else
    Model(data, size);
  return 0;
}
