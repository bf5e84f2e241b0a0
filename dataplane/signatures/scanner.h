// Scanning messages against a Database, one message as a stream of chunks
// (a signature spanning two chunks matches).
//
// For a sampler lcore: one Scratch per thread (grown with Grow() before a new
// Database is published to it), one MessageStream per message in flight
// (its Hyperscan stream state, reused message after message). Feed() does
// not allocate once the confirmation buffer has reached its working size.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dataplane/signatures/database.h"
#include "dataplane/signatures/pcre2_regex.h"

struct hs_scratch;
struct hs_stream;

namespace spamwall::signatures {

class Scratch {
 public:
  explicit Scratch(const Database& db);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  // Makes this scratch big enough for `db` too (hs_alloc_scratch grows it).
  void Grow(const Database& db);
  hs_scratch* hs() { return hs_; }
  Pcre2Scratch& pcre2() { return pcre2_; }

 private:
  hs_scratch* hs_ = nullptr;
  Pcre2Scratch pcre2_;
};

struct ScanResult {
  std::vector<Hit> hits;            // in signature order
  std::vector<uint32_t> limit_hits; // signatures whose confirmation hit a PCRE2 limit
  uint64_t bytes = 0;
  std::vector<uint32_t> confirmed;  // signatures PCRE2 ran on (their count: the PCRE2 runs)
  bool truncated = false;           // confirmations saw only max_message_bytes
  void clear() {
    hits.clear();
    limit_hits.clear();
    bytes = 0;
    confirmed.clear();
    truncated = false;
  }
};

class MessageStream {
 public:
  explicit MessageStream(const Database& db);
  ~MessageStream();
  MessageStream(const MessageStream&) = delete;
  MessageStream& operator=(const MessageStream&) = delete;

  void Feed(std::string_view chunk, Scratch& scratch);
  // Ends the message: end-of-data matches, confirmations, `out` filled;
  // the stream is ready for the next message. With `confirm` false the
  // PCRE2 confirmations are skipped and only exact hits are reported (for
  // measuring the Hyperscan pass alone).
  void Finish(Scratch& scratch, ScanResult& out, bool confirm = true);

  // Bytes held for confirmations (at most options().max_message_bytes, and
  // only for a database with confirmations): what a sampler budgets across
  // its messages in flight.
  size_t buffered() const { return buffer_.size(); }
  // Between messages: gives back buffer memory beyond `keep` bytes (and a
  // large window table), so a stream parked for reuse does not hold its
  // largest message's worth.
  void TrimBuffer(size_t keep);
  // For measuring (spamwall-sigscan --top): when set, each confirmation's
  // seconds are added to (*seconds)[signature index], sized by the caller.
  void ProfileConfirmations(std::vector<double>* seconds) { profile_ = seconds; }

  // Called by the match callback: `to` is the offset just past the match
  // in its scope's stream.
  void OnMatch(unsigned id, uint64_t to);

 private:
  // Starts [first, last] where a windowed signature's match may start; for
  // a window with runs (its bound known only when the message has ended),
  // first == last == the end of the literal's place.
  struct Window {
    uint64_t first;
    uint64_t last;
    uint32_t next;  // the signature's next window, or kNoWindow
  };
  static constexpr uint32_t kNoWindow = UINT32_MAX;
  // Windows kept per message (24 bytes each). A message with more (a
  // literal repeated far apart, thousands of times) has its windowed
  // signatures searched over the whole scope instead: the same result, and
  // a hostile message cannot make the windows outgrow the message budget.
  static constexpr size_t kMaxWindows = 4096;

  void FeedBody(std::string_view bytes, Scratch& scratch);
  void AddWindow(const GateFactor& g, uint64_t to);
  MatchOutcome ConfirmInWindows(uint32_t sig, std::string_view subject, Scratch& scratch);
  // The longest run in the message of bytes of one of `classes`.
  uint64_t LongestRun(const std::vector<std::string>& classes);

  const Database& db_;
  hs_stream* raw_ = nullptr;
  hs_stream* body_ = nullptr;
  uint8_t header_state_ = 0;  // 0, 1 after "\n", 2 after "\n\r", 3 in the body
  std::string buffer_;        // the message, for confirmations
  size_t body_offset_ = 0;
  uint64_t bytes_ = 0;
  std::vector<uint8_t> state_;     // per signature: 0, kCandidate, kHit
  std::vector<uint32_t> touched_;  // signatures with a state
  std::vector<uint32_t> seen_;     // per gated signature: the factors seen
  std::vector<uint32_t> gated_;    // signatures with factors seen
  std::vector<Window> windows_;           // every windowed signature's, this message
  bool windows_overflow_ = false;         // kMaxWindows reached: no windows this message
  std::vector<uint32_t> window_head_;     // per signature: its first window
  std::vector<uint32_t> window_tail_;     // and its last
  std::vector<std::pair<uint64_t, uint64_t>> spans_;  // one signature's, sorted and merged
  std::vector<std::pair<const std::string*, uint64_t>> runs_;  // LongestRun per class, this message
  std::vector<double>* profile_ = nullptr;
};

// Convenience: scans a whole message in one chunk.
void ScanMessage(const Database& db, Scratch& scratch, MessageStream& stream,
                 std::string_view message, ScanResult& out);

}  // namespace spamwall::signatures
