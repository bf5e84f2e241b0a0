// The SMTP parser of the sampler: one session's two in-order byte streams
// (from reassembly) in, session and message events out. No DPDK; every
// buffer is bounded by SmtpLimits and every limit reached is counted.
//
// Commands and replies are matched through a FIFO (RFC 2920 pipelining);
// DATA is dot-unstuffed and streamed (hashed and handed to the sink, never
// held whole), BDAT chunks are counted out (RFC 3030). After STARTTLS
// nothing more is parsed: bytes the client sends before the reply are
// discarded and counted (an injection), and a 220 ends inspection. AUTH keeps
// the mechanism only; its arguments and the SASL lines are never stored.
#ifndef SPAMWALL_DATAPLANE_SMTP_SMTP_PARSER_H_
#define SPAMWALL_DATAPLANE_SMTP_SMTP_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/smtp/sha256.h"
#include "dataplane/smtp/smtp_events.h"

namespace spamwall::smtp {

class SmtpEventSink {
 public:
  virtual ~SmtpEventSink();
  virtual void OnSession(const SmtpSessionEvent& e) = 0;
  virtual void OnMessage(const SmtpMessageEvent& e) = 0;
  // The message bytes as the server receives them (unstuffed), in order,
  // between OnMessageStart and OnMessageEnd, for streaming signature scans.
  virtual void OnMessageBytes(const uint8_t* p, size_t n) { (void)p, (void)n; }
  virtual void OnMessageStart() {}
  virtual void OnMessageEnd() {}
  // The same three with the session's uid (the events' `uid`), which the
  // session calls: one sink hears every flow of a table, interleaved, so a
  // streaming scanner keys its state by uid. By default they call the ones
  // above.
  virtual void OnStreamStart(uint64_t uid) { (void)uid, OnMessageStart(); }
  virtual void OnStreamBytes(uint64_t uid, const uint8_t* p, size_t n) { (void)uid, OnMessageBytes(p, n); }
  virtual void OnStreamEnd(uint64_t uid) { (void)uid, OnMessageEnd(); }
  // What the session calls at the end of a message's bytes: `m` is that
  // message's event, to be emitted (OnMessage) once its final reply is in.
  // A sink that scans writes its hits into `m` here, so they travel with
  // the event: per session, OnMessage comes in the order of the ends, and a
  // pipelining client may start the next message's bytes before it. By
  // default it calls OnStreamEnd(uid).
  virtual void OnStreamDone(uint64_t uid, SmtpMessageEvent& m) { (void)m, OnStreamEnd(uid); }
};

struct SmtpLimits {
  uint32_t max_command_line = 512;    // RFC 5321 4.5.3.1.4 (with CRLF): kept, the rest dropped
  uint32_t max_reply_line = 512;      // 4.5.3.1.5: counted; replies are never buffered
  uint32_t max_text_line = 1000;      // 4.5.3.1.6, message lines: counted only
  uint32_t max_header_bytes = 16384;  // of the header block, kept until its end
  uint32_t max_field = 998;           // a kept value: address, header, EHLO name
  uint32_t max_rcpts_kept = 100;      // rcpt_to entries; rcpt_count counts all
  uint32_t max_pending = 1024;        // commands awaiting their replies
  uint32_t max_hold = 4096;           // client bytes after DATA, before its reply
  uint32_t max_reply_codes = 64;      // distinct codes counted per session
};

// Plain counters, one writer (the sampler lcore); summed over sessions.
struct SmtpCounters {
  uint64_t sessions = 0;              // session events
  uint64_t messages = 0;              // message events
  uint64_t messages_incomplete = 0;   // ... with complete=false
  uint64_t commands = 0;
  uint64_t replies = 0;
  uint64_t command_lines_too_long = 0;
  uint64_t reply_lines_too_long = 0;
  uint64_t text_lines_too_long = 0;
  uint64_t binary_lines = 0;          // command lines with control bytes
  uint64_t unknown_commands = 0;
  uint64_t unmatched_replies = 0;     // a reply with no command waiting
  uint64_t bad_replies = 0;           // a server line that is no reply
  uint64_t pending_overflow = 0;      // commands not queued: the FIFO was full
  uint64_t rcpts_not_kept = 0;
  uint64_t headers_truncated = 0;
  uint64_t reply_codes_not_kept = 0;
  uint64_t data_unterminated = 0;     // data still open at RSET, MAIL or close
  uint64_t data_before_reply = 0;     // over max_hold after DATA before its reply
  uint64_t starttls_discarded_bytes = 0;  // sent after STARTTLS before its reply
  uint64_t tls_bytes = 0;             // after the 220 to STARTTLS, both sides
  uint64_t auth_lines = 0;            // SASL lines skipped
  uint64_t message_bytes = 0;         // hashed and streamed
  uint64_t gaps = 0;
  uint64_t gap_bytes = 0;
};

class SmtpSession {
 public:
  // `limits`, `counters` and `sink` outlive the session.
  // `uid` names the session in its events and stream callbacks (the flow
  // table numbers its flows).
  SmtpSession(const SmtpEndpoint& client, const SmtpEndpoint& server, double ts, bool midstream,
              const SmtpLimits& limits, SmtpCounters* counters, SmtpEventSink* sink, uint64_t uid = 0);
  SmtpSession(const SmtpSession&) = delete;
  SmtpSession& operator=(const SmtpSession&) = delete;

  void ClientData(const uint8_t* p, size_t n, double ts);
  void ServerData(const uint8_t* p, size_t n, double ts);
  // Bytes lost on one side (reassembly gave up on a hole).
  void Gap(bool client_side, uint64_t bytes, double ts);
  // Ends the session: an open message is emitted incomplete, then the
  // session event (only if any byte was seen). Later calls do nothing.
  void Close(double ts, const char* why);

  bool closed() const { return closed_; }
  // What the session holds beyond its own size (the bound the tests check).
  size_t BufferedBytes() const;

 private:
  enum class Client : uint8_t { kCommand, kAuth, kDataWait, kData, kBdat, kStarttlsWait, kTls };
  enum class Verb : uint8_t { kHelo, kMail, kRcpt, kData, kEod, kBdat, kBdatLast, kRset,
                              kStarttls, kAuth, kOther };
  enum class Dot : uint8_t { kStart, kDot, kDotCr, kMid };

  void Feed(const uint8_t* p, size_t n);
  size_t CommandBytes(const uint8_t* p, size_t n);
  size_t SkipLine(const uint8_t* p, size_t n);
  size_t HoldBytes(const uint8_t* p, size_t n);
  size_t DataBytes(const uint8_t* p, size_t n);
  size_t BdatBytes(const uint8_t* p, size_t n);
  void Command(std::string& line);
  void ReplyLine();
  void Reply(uint16_t code);
  void ReplayHeld();

  void Push(Verb v);
  void BeginContent(DataMode mode);
  void Content(const uint8_t* p, size_t n);
  void HeaderBytes(const uint8_t* p, size_t n);
  void ParseHeaders();
  void FinishContent();     // hash and headers done; the sink told
  void EndContent();        // the data ended: the message waits for its reply
  void AbortMessage();      // the data did not end: emitted incomplete now
  void Finished(bool waiting);  // msg_ joins done_
  void FlushDone(bool all);
  void Emit(SmtpMessageEvent& m);
  void ResetTransaction();
  void Anomaly(const char* name);

  const SmtpLimits& limits_;  // outlives the session (the flow table's config)
  SmtpCounters* counters_;
  SmtpEventSink* sink_;
  SmtpSessionEvent session_;
  bool closed_ = false;
  bool saw_bytes_ = false;
  bool greeting_seen_ = false;
  double now_ = 0;

  // Client side.
  Client cstate_ = Client::kCommand;
  std::string line_;           // the command line so far, at most max_command_line
  uint32_t line_wire_ = 0;     // its length on the wire
  bool skip_line_ = false;     // drop to the next LF (after a gap)
  std::string held_;           // after DATA, before its reply
  Dot dot_ = Dot::kStart;
  uint32_t text_line_ = 0;
  uint64_t chunk_left_ = 0;    // of the current BDAT chunk
  bool chunk_last_ = false;

  // Commands awaiting replies: [pending_head_, size).
  std::vector<Verb> pending_;
  size_t pending_head_ = 0;

  // Server side: only the first bytes of a reply line are kept.
  uint8_t rhead_[4] = {};
  uint8_t rhead_len_ = 0;
  uint32_t rline_ = 0;
  bool rskip_ = false;
  bool server_tls_ = false;

  // The transaction and its message.
  bool txn_ = false;
  bool content_ = false;       // its data began
  bool damaged_ = false;       // a gap inside the data
  SmtpMessageEvent msg_;
  // Messages whose data ended, in that order; emitted from the front once
  // the front has its final reply (or was aborted, needing none).
  struct Done {
    std::unique_ptr<SmtpMessageEvent> m;
    bool waiting;  // for the reply to its end of data
  };
  std::vector<Done> done_;
  std::unique_ptr<Sha256> sha_;               // made at the first message
  bool in_headers_ = false;
  bool header_end_seen_ = false;
  uint32_t header_line_ = 0;
  std::string header_;
};

}  // namespace spamwall::smtp

#endif  // SPAMWALL_DATAPLANE_SMTP_SMTP_PARSER_H_
