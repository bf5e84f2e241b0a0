// The sampler's flow table: a fixed number of TCP flows (both directions one
// flow, keyed by the 5-tuple), each with a reassembler per direction and an
// SMTP session. All memory is taken at construction; per packet nothing is
// allocated except inside the SMTP session's and the out-of-order buffers'
// own bounds. A full table evicts the flow idle longest; every limit is a
// counter.
#ifndef SPAMWALL_DATAPLANE_SAMPLER_FLOW_TABLE_H_
#define SPAMWALL_DATAPLANE_SAMPLER_FLOW_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "dataplane/sampler/tcp_reassembly.h"
#include "dataplane/sampler/tcp_segment.h"
#include "dataplane/smtp/smtp_parser.h"

namespace spamwall::sampler {

struct FlowTableConfig {
  uint32_t capacity = 65536;
  double idle_timeout = 300;  // seconds without a segment
  // Which end is the server when no SYN says so. Null: 25, 465 and 587.
  std::function<bool(uint16_t)> is_mail_port;
  smtp::SmtpLimits smtp;
  ReassemblyLimits reassembly;
  uint64_t hash_seed = 0x9e3779b97f4a7c15ull;  // the caller may randomize it
};

struct FlowTableCounters {
  uint64_t flows_created = 0;
  uint64_t flows_midstream = 0;   // created without a SYN
  uint64_t flows_closed = 0;      // by FIN both ways or RST
  uint64_t flows_timed_out = 0;
  uint64_t flows_evicted = 0;     // the table was full
  uint64_t flows_reused = 0;      // a new SYN (new ISN) on a live tuple
  uint64_t flows_active = 0;      // gauge
  uint64_t segments = 0;
  uint64_t segments_ignored = 0;  // no flow, and nothing to start one (pure ACK, RST, FIN)
  ReassemblyCounters reassembly;  // bytes_delivered, gaps, out_of_window, ...
  smtp::SmtpCounters smtp;
};

class FlowTable {
 public:
  FlowTable(const FlowTableConfig& config, smtp::SmtpEventSink* sink);
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;
  ~FlowTable();

  void OnSegment(const TcpSegmentView& s, double ts);
  void Expire(double now);    // closes flows idle for idle_timeout or longer
  void CloseAll(double ts);   // at shutdown or the end of a capture

  const FlowTableCounters& counters() const { return counters_; }
  size_t active() const { return static_cast<size_t>(counters_.flows_active); }
  size_t capacity() const { return flows_.size(); }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;

  struct Flow : ReassemblyOutput {
    uint8_t l3 = 0;
    smtp::SmtpEndpoint client, server;
    uint64_t hash = 0;
    uint32_t chain = kNone;  // next in the bucket, or in the free list
    uint32_t older = kNone, newer = kNone;
    double last_ts = 0;
    bool in_use = false;
    TcpReassembler from_client, from_server;
    std::optional<smtp::SmtpSession> session;

    void OnBytes(bool client_side, const uint8_t* p, size_t n, double ts) override;
    void OnGap(bool client_side, uint64_t bytes, double ts) override;
  };

  uint64_t Hash(const TcpSegmentView& s) const;
  uint32_t Find(const TcpSegmentView& s, uint64_t hash, bool* from_client) const;
  uint32_t Create(const TcpSegmentView& s, uint64_t hash, double ts);
  void Close(uint32_t i, double ts, const char* why);
  void Unlink(uint32_t i);
  void PushNewest(uint32_t i);
  bool IsMailPort(uint16_t port) const;

  FlowTableConfig config_;
  smtp::SmtpEventSink* sink_;
  FlowTableCounters counters_;
  std::vector<Flow> flows_;
  std::vector<uint32_t> buckets_;
  uint64_t bucket_mask_ = 0;
  uint32_t free_ = kNone;
  uint32_t oldest_ = kNone, newest_ = kNone;
};

}  // namespace spamwall::sampler

#endif  // SPAMWALL_DATAPLANE_SAMPLER_FLOW_TABLE_H_
