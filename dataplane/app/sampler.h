// One SMTP sampler: takes the frames the workers sampled off its rings (one
// per worker), reads each as a TCP segment with the one packet parser, and
// feeds its own flow table (reassembly, the SMTP parser); the events it
// gets back are completed with the subscriber and appended to the event
// log. It is an RCU reader of the live generation (the subscriber's class
// comes from its tables; the signature database it scans each message with,
// as the message streams, from its policy: stream_scans.h) with the reader
// id the lcore plan gave it. Live mode runs it on its own lcore
// (RunSampler); offline mode calls PollOnce after each worker poll, so
// tests and the demo run the same code.
#ifndef SPAMWALL_DATAPLANE_APP_SAMPLER_H_
#define SPAMWALL_DATAPLANE_APP_SAMPLER_H_

#include <atomic>
#include <cstdint>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataplane/app/dataplane_rcu.h"
#include "dataplane/app/event_log.h"
#include "dataplane/app/event_stream.h"
#include "dataplane/app/generation.h"
#include "dataplane/sampler/flow_table.h"
#include "dataplane/sampler/stream_scans.h"
#include "dataplane/sampler/zombie_table.h"
#include "dataplane/smtp/smtp_parser.h"

struct rte_mbuf;
struct rte_ring;

namespace spamwall {

struct SamplerConfig {
  std::vector<rte_ring*> rings;          // sampled frames, one ring per worker
  std::vector<rte_ring*> attempt_rings;  // blocked attempts, one ring per worker
  size_t zombie_capacity = 1 << 20;      // subscribers the zombie table holds
  // Offline mode: the events' clock is the capture's (net_pcap's RX
  // timestamps, carried on the sampled copy), not the sampler's. Live mode
  // keeps the wall clock: a NIC's timestamps need not be Unix time.
  bool packet_clock = false;
  std::atomic<Generation*>* live = nullptr;
  unsigned socket = 0;          // which tables it reads (Generation::PolicyFor)
  DataplaneRcu* rcu = nullptr;  // null: offline, no concurrent swaps
  unsigned reader_id = 0;
  EventLog* events = nullptr;   // null: events counted, not written
  EventStream* stream = nullptr;  // live mode: the queue controld reads (events.read)
  sampler::FlowTableConfig flows;
  sampler::ScanLimits scan;  // the signature scans' bounds (stream_scans.h)
};

class Sampler : private smtp::SmtpEventSink {
 public:
  explicit Sampler(const SamplerConfig& cfg);
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;
  ~Sampler() override;

  // One burst off each ring; returns the frames taken. `now` in unix
  // seconds (the events' clock).
  uint32_t PollOnce(double now);
  // Everything still queued, then every open flow closed (end of a capture,
  // shutdown); the last counters published.
  void Finish(double now);

  // The counters as of the last publication (about once a second, and at
  // Finish): frames, segment errors, the flow table's, reassembly's and the
  // SMTP parser's, events. Any thread.
  nlohmann::json CountersJson() const;

  // The subscribers this sampler counts, the n highest by `metric`. From
  // any other thread while the sampler runs on its lcore: computed there at
  // its next poll (a scan of the whole table, some tens of milliseconds for
  // a million entries, which its rings absorb); nullopt when it does not
  // answer within timeout_s. `direct` (offline, or after Finish) reads the
  // table on the caller's thread.
  std::optional<std::vector<sampler::ZombieRow>> TopZombies(sampler::ZombieMetric metric, size_t n,
                                                           double timeout_s, bool direct = false);

 private:
  void OnSession(const smtp::SmtpSessionEvent& e) override;
  void OnMessage(const smtp::SmtpMessageEvent& e) override;
  // The message bytes, into the signature scans (the live generation's database).
  void OnStreamStart(uint64_t uid) override { scans_.Start(uid); }
  void OnStreamBytes(uint64_t uid, const uint8_t* p, size_t n) override { scans_.Bytes(uid, p, n); }
  void OnStreamDone(uint64_t uid, smtp::SmtpMessageEvent& m) override { scans_.End(uid, m); }
  void ReadGeneration();  // policy_ and the scans' database from the live generation
  std::string SubscriberOf(const smtp::SmtpEndpoint& client) const;
  void Flush();
  void Publish();
  void AnswerTopRequest();

  SamplerConfig cfg_;
  sampler::StreamScans scans_;  // before flows_: closing the flows ends their scans
  sampler::FlowTable flows_;
  sampler::ZombieTable zombies_;
  const CompiledPolicy* policy_ = nullptr;  // the generation of the current poll
  std::string batch_;
  uint64_t batch_lines_ = 0;
  uint64_t frames_ = 0, not_ip_ = 0, not_tcp_ = 0, malformed_ = 0, bad_tcp_ = 0, cut_ = 0;
  // The events' time: the newest frame's capture time with packet_clock
  // (once one was seen), else the wall clock the poll was given.
  double EventClock(double now) const { return packet_now_ > 0 ? packet_now_ : now; }
  double FrameTime(const rte_mbuf* m, double now);
  int ts_offset_ = -1;    // the RX timestamp dynfield, when packet_clock and registered
  uint64_t ts_flag_ = 0;  // its "filled by the driver" ol_flag
  double packet_now_ = 0;
  double last_expire_ = 0, last_publish_ = 0;
  mutable std::mutex published_mu_;
  nlohmann::json published_;
  // TopZombies' request to the sampler lcore and its answer.
  std::mutex top_callers_mu_;  // one request at a time
  std::mutex top_mu_;
  std::condition_variable top_cv_;
  std::atomic<bool> top_wanted_{false};
  sampler::ZombieMetric top_metric_ = sampler::ZombieMetric::kAttempts;
  size_t top_n_ = 0;
  uint64_t top_answered_ = 0;
  std::vector<sampler::ZombieRow> top_rows_;
};

// PollOnce until *stop, then Finish: the sampler lcore's loop, an RCU reader
// for its lifetime.
void RunSampler(Sampler* sampler, DataplaneRcu* rcu, unsigned reader_id,
                const std::atomic<bool>* stop);

// Unix seconds now (the events' clock).
double UnixNow();

// Rows of the zombie table as `zombies.top` and STATS.json give them.
nlohmann::json ZombieRowsJson(const std::vector<sampler::ZombieRow>& rows);
// "attempts" or "destinations"; false for anything else.
bool ZombieMetricFromName(const std::string& name, sampler::ZombieMetric* metric);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_SAMPLER_H_
