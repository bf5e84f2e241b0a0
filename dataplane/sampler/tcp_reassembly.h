// In-order reassembly of one direction of a TCP connection, for the SMTP
// parser. Starts at the SYN (ISN+1) or, picked up mid-stream, at the first
// segment seen. Sequence numbers are compared modulo 2^32 and mapped to a
// 64-bit stream offset, so wraparound is invisible above this file.
//
// One rule for every overlap: the first copy wins (Suricata's default
// policy). Bytes already delivered or already buffered are never replaced;
// a retransmission that differs from the buffered copy is counted.
//
// Out-of-order segments wait in a buffer bounded in bytes and segments (per
// direction, and by a budget shared by all flows). When a segment does not
// fit, the hole before the buffer is given up as a gap: the waiting bytes
// are delivered and the stream moves on, so a lost segment never stalls a
// flow and memory stays bounded.
#ifndef SPAMWALL_DATAPLANE_SAMPLER_TCP_REASSEMBLY_H_
#define SPAMWALL_DATAPLANE_SAMPLER_TCP_REASSEMBLY_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace spamwall::sampler {

struct ReassemblyLimits {
  uint32_t max_ooo_bytes = 256 * 1024;   // per direction
  uint32_t max_ooo_segments = 64;        // per direction
  uint64_t max_ooo_bytes_total = 64ull << 20;  // all directions of a table together
  uint32_t window = 16u << 20;           // further than this from the next byte: out of window
  uint64_t max_stream_bytes = 1ull << 30;  // per direction; beyond it counted, not delivered
};

// Plain counters, one writer; shared by every reassembler of a table.
struct ReassemblyCounters {
  uint64_t segments = 0;
  uint64_t bytes_delivered = 0;
  uint64_t retransmitted_segments = 0;  // nothing new in them
  uint64_t overlap_bytes = 0;           // dropped as already delivered or buffered
  uint64_t overlap_conflicts = 0;       // ... with content unlike the buffered copy
  uint64_t ooo_segments = 0;            // buffered
  uint64_t ooo_buffer_full = 0;         // a segment that did not fit: a gap given up
  uint64_t out_of_window = 0;
  uint64_t gaps = 0;
  uint64_t gap_bytes = 0;
  uint64_t bytes_over_cap = 0;          // past max_stream_bytes
  uint64_t after_fin = 0;               // data beyond the FIN, dropped
  uint64_t ooo_bytes_now = 0;           // gauge: buffered in all directions
};

class ReassemblyOutput {
 public:
  virtual ~ReassemblyOutput();
  virtual void OnBytes(bool client_side, const uint8_t* p, size_t n, double ts) = 0;
  virtual void OnGap(bool client_side, uint64_t bytes, double ts) = 0;
};

class TcpReassembler {
 public:
  TcpReassembler() = default;
  TcpReassembler(const TcpReassembler&) = delete;
  TcpReassembler& operator=(const TcpReassembler&) = delete;
  ~TcpReassembler() { Reset(nullptr, false, nullptr, nullptr); }

  // Starts over (a reused flow slot): buffered bytes are released uncounted.
  void Reset(ReassemblyOutput* out, bool client_side, const ReassemblyLimits* limits,
             ReassemblyCounters* counters);

  // One segment of this direction. The payload is read during the call only.
  // `wire_len` (when more than `len`): the segment's length on the wire, its
  // tail cut by the capture; in order, that tail is given up at once as a gap.
  void Segment(uint32_t seq, uint8_t tcp_flags, const uint8_t* payload, uint32_t len, double ts,
               uint32_t wire_len = 0);
  // Delivers what waits beyond the holes (each hole a gap): at close.
  void Flush(double ts);

  bool started() const { return started_; }
  bool midstream() const { return midstream_; }
  bool syn_seen() const { return syn_seen_; }
  uint32_t isn() const { return isn_; }
  bool finished() const { return fin_known_ && next_ >= fin_off_; }  // every byte to the FIN
  bool reset_seen() const { return rst_; }
  // The stream offset of the next byte (delivered, given up or over the cap).
  uint64_t delivered() const { return next_; }
  size_t buffered_bytes() const { return ooo_bytes_; }
  size_t buffered_segments() const { return ooo_.size(); }

 private:
  struct Piece {
    uint64_t off;
    std::vector<uint8_t> bytes;
  };
  void Deliver(const uint8_t* p, size_t n, double ts);
  void Hole(uint64_t gap, double ts);  // gives up `gap` bytes: counted, told below the cap
  void Drain(double ts);
  void GiveUpFirstHole(double ts);
  bool Store(uint64_t off, const uint8_t* p, size_t n);
  void ReleaseAll();

  ReassemblyOutput* out_ = nullptr;
  const ReassemblyLimits* limits_ = nullptr;
  ReassemblyCounters* counters_ = nullptr;
  bool client_side_ = false;
  bool started_ = false, midstream_ = false, syn_seen_ = false, rst_ = false;
  bool fin_known_ = false;
  uint32_t isn_ = 0;
  uint32_t next_seq_ = 0;  // sequence number of stream offset next_
  uint64_t next_ = 0;      // the next stream offset to deliver
  uint64_t fin_off_ = 0;
  std::vector<Piece> ooo_;  // sorted by offset, never overlapping
  size_t ooo_bytes_ = 0;
};

}  // namespace spamwall::sampler

#endif  // SPAMWALL_DATAPLANE_SAMPLER_TCP_REASSEMBLY_H_
