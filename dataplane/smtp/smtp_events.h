// The sampler's SMTP events: one per session, one per message, as plain
// structs and as JSON lines (docs/events.md has the schema; the names follow
// Zeek's smtp.log where they can).
#ifndef SPAMWALL_DATAPLANE_SMTP_SMTP_EVENTS_H_
#define SPAMWALL_DATAPLANE_SMTP_SMTP_EVENTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace spamwall::smtp {

struct SmtpEndpoint {
  uint8_t l3 = 0;           // 4 or 6 (SW_L3_IPV4 / SW_L3_IPV6)
  uint8_t addr[16] = {};    // network order; IPv4 in bytes 0..3
  uint16_t port = 0;        // host order
};

// The address as text (inet_ntop); "" for an unknown family.
std::string EndpointIp(const SmtpEndpoint& e);

enum class DataMode : uint8_t { kData, kBdat };
const char* DataModeName(DataMode m);

struct SmtpSessionEvent {
  uint64_t uid = 0;        // the session's number (flow table), shared by its messages
  std::string subscriber;  // filled by the caller that knows internal space
  SmtpEndpoint client, server;
  double ts_start = 0, ts_end = 0;  // seconds
  std::string helo_verb;            // "HELO", "EHLO" (the last one), or ""
  std::string ehlo_name;            // its argument, bounded
  std::string auth_mechanism;       // the last AUTH's mechanism; never credentials
  bool starttls = false;            // a 220 answered STARTTLS: the rest is not inspected
  bool pipelined = false;           // a command was sent before the previous reply
  bool midstream = false;           // picked up without the SYN
  uint64_t commands = 0;            // client command lines (not SASL, not message bytes)
  uint64_t messages = 0;            // message events of this session
  std::map<uint16_t, uint64_t> reply_codes;  // reply code -> count (whole replies)
  std::vector<std::string> anomalies;        // distinct names, first seen first
  std::string close_reason;                  // "fin", "rst", "timeout", "evicted", ...
};

// One signature that hit a message (docs/signatures.md): its id, class
// ("spam" or "malware") and score, copied out of the database that scanned
// it, so the event outlives the generation.
struct SignatureHit {
  std::string id;
  std::string cls;
  double score = 0;
  bool operator==(const SignatureHit&) const = default;
};

struct SmtpMessageEvent {
  uint64_t uid = 0;  // its session's
  std::string subscriber;
  SmtpEndpoint client, server;
  double ts = 0;                    // when its transaction began (MAIL, else its data)
  std::string mail_from;
  std::vector<std::string> rcpt_to;  // as sent, at most SmtpLimits::max_rcpts_kept
  uint64_t rcpt_count = 0;           // every RCPT, also those not kept
  uint16_t final_reply = 0;          // the reply to the end of data; 0: none seen
  std::string message_id, from, subject, x_mailer;  // headers, unfolded, bounded
  DataMode data_mode = DataMode::kData;
  uint64_t size = 0;                 // bytes the server received (unstuffed)
  std::string sha256;                // of those bytes, hex
  bool complete = false;             // the data ended (".", BDAT LAST) without a gap
  std::vector<SignatureHit> hits;    // signature hits, in signature order (the sampler's scan)
  bool hits_truncated = false;       // the hits may be incomplete: not all of it was scanned or confirmed
};

// One JSON object on one line, no trailing newline. Bytes that are not
// UTF-8 (they come from the wire) are replaced, never thrown on.
std::string ToJsonLine(const SmtpSessionEvent& e);
std::string ToJsonLine(const SmtpMessageEvent& e);

}  // namespace spamwall::smtp

#endif  // SPAMWALL_DATAPLANE_SMTP_SMTP_EVENTS_H_
