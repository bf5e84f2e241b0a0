// The sampler's signature scans: each message's bytes, as the SMTP parser
// streams them (SmtpEventSink::OnStream*), scanned as one Hyperscan stream
// across its TCP segments by the one signature engine
// (dataplane/signatures/scanner.h: a MessageStream per message in flight,
// one Scratch), its hits written into the message's event. One per
// sampler, on its lcore; no DPDK.
//
// Generations: Use() is given the database of the generation each poll
// reads. A new one grows the scratch here, on this thread, before any scan
// with it (a scratch grown for several databases serves all of them). A
// message keeps the database it started with (its slot holds a reference),
// so a push never cuts a scan; a message whose data began while no
// database was live is not scanned. The last reference to a retired
// database may be dropped here, freeing it on this thread, once per push.
//
// Bounds (ScanLimits), each counted and each flagging the message
// (hits_truncated): bytes scanned per message, messages scanned at once,
// bytes held for PCRE2 confirmations across them. Per segment nothing is
// allocated once a parked stream's confirmation buffer holds a message.
#ifndef SPAMWALL_DATAPLANE_SAMPLER_STREAM_SCANS_H_
#define SPAMWALL_DATAPLANE_SAMPLER_STREAM_SCANS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataplane/signatures/scanner.h"
#include "dataplane/smtp/smtp_events.h"

namespace spamwall::sampler {

struct ScanLimits {
  uint64_t max_message_bytes = 4u << 20;     // scanned of one message; the rest is not
  uint32_t max_streams = 1024;               // messages scanned at once; more are not scanned
  uint64_t max_buffered_bytes = 256u << 20;  // held for confirmations, all messages together
  uint32_t spare_streams = 64;               // parked for the next messages; more are freed
  uint32_t spare_buffer_bytes = 256u << 10;  // a parked stream keeps this much buffer
};

// Plain counters, one writer (the sampler lcore).
struct ScanCounters {
  uint64_t databases = 0;       // databases taken in (the scratch grown for each)
  uint64_t messages = 0;        // messages scanned
  uint64_t bytes = 0;           // bytes scanned
  uint64_t messages_hit = 0;    // messages with at least one hit
  uint64_t hits = 0;
  uint64_t confirmations = 0;   // PCRE2 runs (prefiltered and gated candidates)
  uint64_t limit_hits = 0;      // confirmations a PCRE2 limit stopped: not hits
  uint64_t truncated = 0;       // messages cut at max_message_bytes
  uint64_t partly_confirmed = 0;  // confirmations saw only the database's max_message_bytes
  uint64_t buffer_full = 0;     // messages whose scan stopped at max_buffered_bytes
  uint64_t no_stream = 0;       // messages not scanned: max_streams were in flight
  uint64_t errors = 0;          // Hyperscan failures: that scan dropped and its message flagged,
                                // or a database whose scratch could not grow (scans none)
};

nlohmann::json ScanCountersJson(const ScanCounters& c);

class StreamScans {
 public:
  explicit StreamScans(const ScanLimits& limits = {});
  ~StreamScans();
  StreamScans(const StreamScans&) = delete;
  StreamScans& operator=(const StreamScans&) = delete;

  // The live generation's database (null: none). Cheap when unchanged.
  void Use(const std::shared_ptr<const signatures::Database>& db);

  // One message of session `uid`: its start, its bytes in order, its end,
  // where `m` gets the hits and hits_truncated.
  void Start(uint64_t uid);
  void Bytes(uint64_t uid, const uint8_t* p, size_t n);
  void End(uint64_t uid, smtp::SmtpMessageEvent& m);

  const ScanCounters& counters() const { return counters_; }
  size_t in_flight() const { return active_.size(); }
  uint64_t buffered_bytes() const { return buffered_; }

 private:
  struct Slot {
    std::shared_ptr<const signatures::Database> db;     // declared first: outlives the stream
    std::unique_ptr<signatures::MessageStream> stream;  // null: not scanned
    uint64_t fed = 0;
    size_t buffered = 0;     // the stream's confirmation bytes, as counted in buffered_
    bool flagged = false;    // hits_truncated
    bool stopped = false;    // no more bytes are fed
  };
  void Drop(Slot& s);  // the stream freed after a failure

  ScanLimits limits_;
  ScanCounters counters_;
  std::unique_ptr<signatures::Scratch> scratch_;
  std::shared_ptr<const signatures::Database> seen_;  // the last Use(): held, so no address reuse fools the check
  std::shared_ptr<const signatures::Database> db_;    // seen_ when its scratch grew; else null
  std::vector<std::unique_ptr<signatures::MessageStream>> spare_;  // of db_
  std::unordered_map<uint64_t, Slot> active_;  // by session uid: one message at a time each
  size_t streams_ = 0;                         // slots with a stream
  uint64_t buffered_ = 0;
  signatures::ScanResult result_;              // reused message after message
};

}  // namespace spamwall::sampler

#endif  // SPAMWALL_DATAPLANE_SAMPLER_STREAM_SCANS_H_
