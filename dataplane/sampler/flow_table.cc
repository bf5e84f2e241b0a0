#include "dataplane/sampler/flow_table.h"

#include <cstring>

namespace spamwall::sampler {

namespace {

bool SameEndpoint(const smtp::SmtpEndpoint& e, const uint8_t* addr, uint16_t port) {
  return e.port == port && std::memcmp(e.addr, addr, sizeof e.addr) == 0;
}

uint64_t Mix(uint64_t h) {  // splitmix64's finalizer
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

}  // namespace

void FlowTable::Flow::OnBytes(bool client_side, const uint8_t* p, size_t n, double ts) {
  if (client_side)
    session->ClientData(p, n, ts);
  else
    session->ServerData(p, n, ts);
}

void FlowTable::Flow::OnGap(bool client_side, uint64_t bytes, double ts) {
  session->Gap(client_side, bytes, ts);
}

FlowTable::FlowTable(const FlowTableConfig& config, smtp::SmtpEventSink* sink)
    : config_(config), sink_(sink), flows_(config.capacity == 0 ? 1 : config.capacity) {
  size_t buckets = 1;
  while (buckets < flows_.size()) buckets <<= 1;
  buckets_.assign(buckets, kNone);
  bucket_mask_ = buckets - 1;
  for (uint32_t i = static_cast<uint32_t>(flows_.size()); i-- > 0;) {
    flows_[i].chain = free_;
    free_ = i;
  }
}

FlowTable::~FlowTable() = default;  // open sessions end without events: CloseAll first

bool FlowTable::IsMailPort(uint16_t port) const {
  if (config_.is_mail_port) return config_.is_mail_port(port);
  return port == 25 || port == 465 || port == 587;
}

uint64_t FlowTable::Hash(const TcpSegmentView& s) const {
  // Symmetric: the two endpoints in a fixed order, so both directions meet.
  const uint8_t* a = s.src;
  const uint8_t* b = s.dst;
  uint16_t pa = s.sport, pb = s.dport;
  const int c = std::memcmp(a, b, 16);
  if (c > 0 || (c == 0 && pa > pb)) {
    std::swap(a, b);
    std::swap(pa, pb);
  }
  uint64_t w[4];
  std::memcpy(w, a, 16);
  std::memcpy(w + 2, b, 16);
  uint64_t h = config_.hash_seed ^ s.l3;
  for (uint64_t x : w) h = Mix(h ^ x);
  return Mix(h ^ (static_cast<uint64_t>(pa) << 16 | pb));
}

uint32_t FlowTable::Find(const TcpSegmentView& s, uint64_t hash, bool* from_client) const {
  for (uint32_t i = buckets_[hash & bucket_mask_]; i != kNone; i = flows_[i].chain) {
    const Flow& f = flows_[i];
    if (f.hash != hash || f.l3 != s.l3) continue;
    if (SameEndpoint(f.client, s.src, s.sport) && SameEndpoint(f.server, s.dst, s.dport)) {
      *from_client = true;
      return i;
    }
    if (SameEndpoint(f.server, s.src, s.sport) && SameEndpoint(f.client, s.dst, s.dport)) {
      *from_client = false;
      return i;
    }
  }
  return kNone;
}

void FlowTable::Unlink(uint32_t i) {
  Flow& f = flows_[i];
  if (f.older != kNone) flows_[f.older].newer = f.newer; else oldest_ = f.newer;
  if (f.newer != kNone) flows_[f.newer].older = f.older; else newest_ = f.older;
  f.older = f.newer = kNone;
}

void FlowTable::PushNewest(uint32_t i) {
  Flow& f = flows_[i];
  f.older = newest_;
  f.newer = kNone;
  if (newest_ != kNone) flows_[newest_].newer = i; else oldest_ = i;
  newest_ = i;
}

uint32_t FlowTable::Create(const TcpSegmentView& s, uint64_t hash, double ts) {
  if (free_ == kNone) {
    counters_.flows_evicted++;
    Close(oldest_, ts, "evicted");
  }
  const uint32_t i = free_;
  Flow& f = flows_[i];
  free_ = f.chain;

  // The client: the SYN's sender; without one, the end not on a mail port
  // (both or neither: the higher port, as clients take ephemeral ones).
  const uint8_t syn_ack = s.flags & (kTcpSyn | kTcpAck);
  bool src_is_client;
  if (syn_ack == kTcpSyn) {
    src_is_client = true;
  } else if (syn_ack == (kTcpSyn | kTcpAck)) {
    src_is_client = false;
  } else if (IsMailPort(s.dport) != IsMailPort(s.sport)) {
    src_is_client = IsMailPort(s.dport);
  } else {
    src_is_client = s.sport > s.dport;
  }
  const bool midstream = !(s.flags & kTcpSyn);
  f.l3 = s.l3;
  f.hash = hash;
  f.in_use = true;
  f.last_ts = ts;
  smtp::SmtpEndpoint src{s.l3, {}, s.sport}, dst{s.l3, {}, s.dport};
  std::memcpy(src.addr, s.src, 16);
  std::memcpy(dst.addr, s.dst, 16);
  f.client = src_is_client ? src : dst;
  f.server = src_is_client ? dst : src;
  f.from_client.Reset(&f, true, &config_.reassembly, &counters_.reassembly);
  f.from_server.Reset(&f, false, &config_.reassembly, &counters_.reassembly);
  f.session.emplace(f.client, f.server, ts, midstream, config_.smtp, &counters_.smtp, sink_,
                    counters_.flows_created + 1);  // uid: 1, 2, ... in creation order

  uint32_t& head = buckets_[hash & bucket_mask_];
  f.chain = head;
  head = i;
  PushNewest(i);
  counters_.flows_created++;
  if (midstream) counters_.flows_midstream++;
  counters_.flows_active++;
  return i;
}

void FlowTable::Close(uint32_t i, double ts, const char* why) {
  Flow& f = flows_[i];
  f.from_client.Flush(ts);
  f.from_server.Flush(ts);
  f.session->Close(ts, why);
  f.session.reset();
  f.from_client.Reset(nullptr, true, nullptr, &counters_.reassembly);
  f.from_server.Reset(nullptr, false, nullptr, &counters_.reassembly);
  // Out of its bucket's chain.
  for (uint32_t* link = &buckets_[f.hash & bucket_mask_]; *link != kNone; link = &flows_[*link].chain) {
    if (*link == i) {
      *link = f.chain;
      break;
    }
  }
  Unlink(i);
  f.in_use = false;
  f.chain = free_;
  free_ = i;
  counters_.flows_active--;
}

void FlowTable::OnSegment(const TcpSegmentView& s, double ts) {
  counters_.segments++;
  const uint64_t hash = Hash(s);
  bool from_client = false;
  uint32_t i = Find(s, hash, &from_client);
  const bool bare_syn = (s.flags & (kTcpSyn | kTcpAck | kTcpRst)) == kTcpSyn;
  if (i != kNone && bare_syn && from_client && flows_[i].from_client.syn_seen() &&
      flows_[i].from_client.isn() != s.seq) {
    counters_.flows_reused++;  // the tuple is used again: the old connection is over
    Close(i, ts, "reused");
    i = kNone;
  }
  if (i == kNone) {
    if ((s.flags & kTcpRst) || (!(s.flags & kTcpSyn) && s.payload_len == 0)) {
      counters_.segments_ignored++;
      return;
    }
    i = Create(s, hash, ts);
    Find(s, hash, &from_client);
  }
  Flow& f = flows_[i];
  f.last_ts = ts;
  Unlink(i);
  PushNewest(i);
  TcpReassembler& r = from_client ? f.from_client : f.from_server;
  r.Segment(s.seq, s.flags, s.payload, s.payload_len, ts, s.wire_payload_len);
  if (r.reset_seen()) {
    counters_.flows_closed++;
    Close(i, ts, "rst");
  } else if (f.from_client.finished() && f.from_server.finished()) {
    counters_.flows_closed++;
    Close(i, ts, "fin");
  }
}

void FlowTable::Expire(double now) {
  while (oldest_ != kNone && flows_[oldest_].last_ts + config_.idle_timeout <= now) {
    counters_.flows_timed_out++;
    Close(oldest_, now, "timeout");
  }
}

void FlowTable::CloseAll(double ts) {
  while (oldest_ != kNone) Close(oldest_, ts, "shutdown");
}

}  // namespace spamwall::sampler
