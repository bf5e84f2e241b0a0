#include "dataplane/app/sampler.h"

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include <chrono>

#include "dataplane/core/packet_parse.h"
#include "dataplane/core/prefix.h"
#include "dataplane/core/verdict_rules.h"
#include "dataplane/sampler/flow_table_json.h"
#include "dataplane/sampler/tcp_segment.h"
#include "dataplane/smtp/smtp_events.h"

namespace spamwall {

namespace {

constexpr unsigned kBurst = 32;
constexpr size_t kBatchBytes = 64 * 1024;  // events handed to the log at a time
constexpr double kExpireEvery = 1.0;       // seconds between idle-flow sweeps
constexpr double kPublishEvery = 1.0;

}  // namespace

nlohmann::json ZombieRowsJson(const std::vector<sampler::ZombieRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const sampler::ZombieRow& r : rows)
    out.push_back({{"subscriber", FormatAddress(r.l3 == SW_L3_IPV4 ? 4 : 6, r.addr)},
                   {"attempts", r.attempts},
                   {"by_reason",
                    {{"consumer_smtp", r.by_reason[0]},
                     {"mx_fence", r.by_reason[1]},
                     {"quarantine", r.by_reason[2]}}},
                   {"destinations", r.destinations},
                   {"first_seen", r.first_seen},
                   {"last_seen", r.last_seen}});
  return out;
}

bool ZombieMetricFromName(const std::string& name, sampler::ZombieMetric* metric) {
  if (name == "attempts") *metric = sampler::ZombieMetric::kAttempts;
  else if (name == "destinations") *metric = sampler::ZombieMetric::kDestinations;
  else return false;
  return true;
}

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Sampler::Sampler(const SamplerConfig& cfg)
    : cfg_(cfg), scans_(cfg.scan), flows_(cfg.flows, this), zombies_(cfg.zombie_capacity) {
  if (cfg.packet_clock) {  // registered by the PMD when its port took the timestamp offload
    const int field = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, nullptr);
    const int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, nullptr);
    if (field >= 0 && bit >= 0) {
      ts_offset_ = field;
      ts_flag_ = uint64_t{1} << bit;
    }
  }
  Publish();
}

Sampler::~Sampler() = default;

void Sampler::ReadGeneration() {
  const Generation* live = cfg_.live->load(std::memory_order_acquire);
  policy_ = &live->PolicyFor(cfg_.socket);
  // A new database grows this lcore's scratch here, before any scan with it.
  scans_.Use(policy_->signatures);
}

// net_pcap stamps each frame it reads with the capture's time, in
// microseconds since the epoch (DPDK 22.11: tv_sec * 10^6 + tv_usec, seen
// against the fixtures' pcap headers); rte_pktmbuf_copy carries the field
// and its flag onto the sampler's copy.
double Sampler::FrameTime(const rte_mbuf* m, double now) {
  if (ts_offset_ < 0 || !(m->ol_flags & ts_flag_)) return EventClock(now);
  const uint64_t ts = *RTE_MBUF_DYNFIELD(m, ts_offset_, const rte_mbuf_timestamp_t*);
  if (ts == 0) return EventClock(now);  // a capture without times
  const double t = static_cast<double>(ts) / 1e6;
  if (t > packet_now_) packet_now_ = t;
  return t;
}

uint32_t Sampler::PollOnce(double wall) {
  ReadGeneration();
  uint32_t taken = 0;
  uint8_t linear[RTE_MBUF_DEFAULT_BUF_SIZE];
  for (rte_ring* ring : cfg_.rings) {
    rte_mbuf* pkts[kBurst];
    const unsigned n = rte_ring_sc_dequeue_burst(ring, reinterpret_cast<void**>(pkts), kBurst, nullptr);
    for (unsigned i = 0; i < n; i++) {
      rte_mbuf* m = pkts[i];
      const uint32_t len = rte_pktmbuf_pkt_len(m);
      const uint32_t want = len < sizeof(linear) ? len : static_cast<uint32_t>(sizeof(linear));
      const auto* frame = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, want, linear));
      sampler::TcpSegmentView seg;
      switch (frame ? sampler::ParseTcpSegment(frame, want, len, &seg) : sampler::SegmentError::kMalformed) {
        case sampler::SegmentError::kNone:
          if (seg.payload_len < seg.wire_payload_len) cut_++;
          flows_.OnSegment(seg, FrameTime(m, wall));
          break;
        case sampler::SegmentError::kNotIp: not_ip_++; break;
        case sampler::SegmentError::kNotTcp: not_tcp_++; break;
        case sampler::SegmentError::kMalformed: malformed_++; break;
        case sampler::SegmentError::kBadTcpHeader: bad_tcp_++; break;
      }
    }
    if (n) rte_pktmbuf_free_bulk(pkts, n);
    frames_ += n;
    taken += n;
  }
  const double now = EventClock(wall);
  for (rte_ring* ring : cfg_.attempt_rings) {
    sampler::BlockedAttempt attempts[kBurst];
    const unsigned n = rte_ring_sc_dequeue_burst_elem(ring, attempts, sizeof(attempts[0]), kBurst, nullptr);
    for (unsigned i = 0; i < n; i++) zombies_.Record(attempts[i], now);
    taken += n;
  }
  if (top_wanted_.load(std::memory_order_acquire)) AnswerTopRequest();
  if (now - last_expire_ >= kExpireEvery) {
    flows_.Expire(now);
    last_expire_ = now;
  }
  // Handing over and publishing keep the wall clock.
  if (batch_.size() >= kBatchBytes || (batch_lines_ && wall - last_publish_ >= kPublishEvery)) Flush();
  if (wall - last_publish_ >= kPublishEvery) Publish();
  policy_ = nullptr;  // not used past the quiescent report below
  if (cfg_.rcu) cfg_.rcu->Quiescent(cfg_.reader_id);
  return taken;
}

void Sampler::Finish(double wall) {
  while (PollOnce(wall) > 0) {
  }
  ReadGeneration();
  flows_.CloseAll(EventClock(wall));
  policy_ = nullptr;
  Flush();
  Publish();
}

std::string Sampler::SubscriberOf(const smtp::SmtpEndpoint& client) const {
  if (policy_ == nullptr) return "";
  const uint8_t l3 = client.l3 == 4 ? SW_L3_IPV4 : SW_L3_IPV6;
  if (!(policy_->ClassOf(l3, client.addr) & SW_CLASS_INTERNAL)) return "";
  return smtp::EndpointIp(client);
}

void Sampler::OnSession(const smtp::SmtpSessionEvent& e) {
  smtp::SmtpSessionEvent with = e;
  with.subscriber = SubscriberOf(e.client);
  batch_ += smtp::ToJsonLine(with);
  batch_ += '\n';
  batch_lines_++;
}

void Sampler::OnMessage(const smtp::SmtpMessageEvent& e) {
  smtp::SmtpMessageEvent with = e;
  with.subscriber = SubscriberOf(e.client);
  batch_ += smtp::ToJsonLine(with);
  batch_ += '\n';
  batch_lines_++;
}

void Sampler::Flush() {
  if (batch_lines_ == 0) return;
  if (cfg_.events) cfg_.events->Append(batch_, batch_lines_);
  if (cfg_.stream) cfg_.stream->Append(batch_, batch_lines_);
  batch_.clear();
  batch_lines_ = 0;
}

void Sampler::Publish() {
  const sampler::FlowTableCounters& f = flows_.counters();
  nlohmann::json j = {
      {"frames", frames_},
      {"frames_not_ip", not_ip_},
      {"frames_not_tcp", not_tcp_},
      {"frames_malformed", malformed_},
      {"frames_bad_tcp_header", bad_tcp_},
      {"frames_cut", cut_},
      {"flows", sampler::FlowTableCountersJson(f)},
      {"scan", sampler::ScanCountersJson(scans_.counters())},
      {"zombies",
       {{"attempts", zombies_.counters().attempts},
        {"subscribers", zombies_.counters().subscribers},
        {"evicted", zombies_.counters().evicted},
        {"capacity", zombies_.capacity()}}},
  };
  std::lock_guard<std::mutex> lock(published_mu_);
  published_ = std::move(j);
  last_publish_ = UnixNow();
}

void Sampler::AnswerTopRequest() {
  std::lock_guard<std::mutex> lock(top_mu_);
  top_rows_ = zombies_.Top(top_metric_, top_n_);
  top_answered_++;
  top_wanted_.store(false, std::memory_order_release);
  top_cv_.notify_all();
}

std::optional<std::vector<sampler::ZombieRow>> Sampler::TopZombies(sampler::ZombieMetric metric,
                                                                  size_t n, double timeout_s,
                                                                  bool direct) {
  if (direct) return zombies_.Top(metric, n);
  std::lock_guard<std::mutex> one(top_callers_mu_);
  std::unique_lock<std::mutex> lock(top_mu_);
  top_metric_ = metric;
  top_n_ = n;
  const uint64_t want = top_answered_ + 1;
  top_wanted_.store(true, std::memory_order_release);
  if (!top_cv_.wait_for(lock, std::chrono::duration<double>(timeout_s),
                        [&] { return top_answered_ >= want; })) {
    top_wanted_.store(false, std::memory_order_release);
    return std::nullopt;
  }
  return top_rows_;
}

nlohmann::json Sampler::CountersJson() const {
  std::lock_guard<std::mutex> lock(published_mu_);
  return published_;
}

void RunSampler(Sampler* sampler, DataplaneRcu* rcu, unsigned reader_id,
                const std::atomic<bool>* stop) {
  DataplaneRcu::Reader reader(rcu, reader_id);
  while (!stop->load(std::memory_order_relaxed)) sampler->PollOnce(UnixNow());
  sampler->Finish(UnixNow());
}

}  // namespace spamwall
