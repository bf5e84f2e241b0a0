// One SMTP sampler: takes the frames the workers sampled off its rings (one
// per worker), reads each as a TCP segment with the one packet parser, and
// feeds its own flow table (reassembly, the SMTP parser); the events it
// gets back are completed with the subscriber and appended to the event
// log. It is an RCU reader of the live generation (the subscriber's class
// comes from its tables) with the reader id the lcore plan gave it. Live
// mode runs it on its own lcore (RunSampler); offline mode calls PollOnce
// after each worker poll, so tests and the demo run the same code.
#ifndef SPAMWALL_DATAPLANE_APP_SAMPLER_H_
#define SPAMWALL_DATAPLANE_APP_SAMPLER_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataplane/app/dataplane_rcu.h"
#include "dataplane/app/event_log.h"
#include "dataplane/app/generation.h"
#include "dataplane/sampler/flow_table.h"
#include "dataplane/smtp/smtp_parser.h"

struct rte_ring;

namespace spamwall {

struct SamplerConfig {
  std::vector<rte_ring*> rings;  // one per worker
  std::atomic<Generation*>* live = nullptr;
  unsigned socket = 0;          // which tables it reads (Generation::PolicyFor)
  DataplaneRcu* rcu = nullptr;  // null: offline, no concurrent swaps
  unsigned reader_id = 0;
  EventLog* events = nullptr;   // null: events counted, not written
  sampler::FlowTableConfig flows;
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

 private:
  void OnSession(const smtp::SmtpSessionEvent& e) override;
  void OnMessage(const smtp::SmtpMessageEvent& e) override;
  std::string SubscriberOf(const smtp::SmtpEndpoint& client) const;
  void Flush();
  void Publish();

  SamplerConfig cfg_;
  sampler::FlowTable flows_;
  const CompiledPolicy* policy_ = nullptr;  // the generation of the current poll
  std::string batch_;
  uint64_t batch_lines_ = 0;
  uint64_t frames_ = 0, not_ip_ = 0, not_tcp_ = 0, malformed_ = 0, bad_tcp_ = 0, cut_ = 0;
  double last_expire_ = 0, last_publish_ = 0;
  mutable std::mutex published_mu_;
  nlohmann::json published_;
};

// PollOnce until *stop, then Finish: the sampler lcore's loop, an RCU reader
// for its lifetime.
void RunSampler(Sampler* sampler, DataplaneRcu* rcu, unsigned reader_id,
                const std::atomic<bool>* stop);

// Unix seconds now (the events' clock).
double UnixNow();

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_SAMPLER_H_
