// The samplers' events for controld (live mode): a bounded queue of JSON
// lines, each with a sequence number, that controld reads by cursor
// (`events.read`, docs/control-protocol.md). The samplers hand over whole
// batches (one lock per batch, never per packet) and never wait: when the
// queue is full the oldest batches go, counted, so a slow or absent
// controld costs events, never a stalled sampler.
#ifndef SPAMWALL_DATAPLANE_APP_EVENT_STREAM_H_
#define SPAMWALL_DATAPLANE_APP_EVENT_STREAM_H_

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace spamwall {

class EventStream {
 public:
  // At most `max_bytes` of lines held (a batch larger than that is dropped whole).
  explicit EventStream(size_t max_bytes = 16u << 20);

  // `batch`: `lines` whole lines, each ending in '\n'.
  void Append(const std::string& batch, uint64_t lines);

  struct Read {
    uint64_t first = 0;    // sequence number of the first line given (lines are numbered from 1)
    uint64_t next = 0;     // the cursor to ask with next time (the last line given, or `after`)
    uint64_t count = 0;    // lines given
    uint64_t missed = 0;   // lines after `after` that were dropped before this read
    std::string lines;     // `count` lines, each ending in '\n'
  };
  // The lines after `after` (a cursor from an earlier Read, 0 at first), at
  // least one whole batch when there is one, then whole batches up to
  // max_bytes.
  Read ReadAfter(uint64_t after, size_t max_bytes) const;

  struct Counters {
    uint64_t appended = 0;  // lines handed over
    uint64_t dropped = 0;   // lines dropped to make room (the queue was full)
    uint64_t held = 0;      // lines in the queue now
    uint64_t held_bytes = 0;
    uint64_t last = 0;      // sequence number of the newest line
  };
  Counters counters() const;

 private:
  struct Batch {
    uint64_t first;  // sequence number of its first line
    uint64_t lines;
    std::string text;
  };
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::deque<Batch> batches_;
  size_t bytes_ = 0;
  uint64_t last_ = 0;  // the newest line's number
  uint64_t appended_ = 0, dropped_ = 0, held_ = 0;
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_EVENT_STREAM_H_
