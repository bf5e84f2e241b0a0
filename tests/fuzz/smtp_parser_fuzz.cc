// libFuzzer target: an SMTP session fed by the input, cut into client and
// server chunks and gaps (format in README.md), under the default limits or
// small ones that every input can reach. Checks what the sampler relies on:
// bounded buffers, the events consistent with the bytes streamed to the
// sink, and JSON that serializes whatever the wire held.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "dataplane/smtp/sha256.h"
#include "dataplane/smtp/smtp_parser.h"

namespace {

using spamwall::smtp::Sha256;
using spamwall::smtp::SmtpLimits;

void Check(bool ok) {
  if (!ok) std::abort();
}

struct Sink : spamwall::smtp::SmtpEventSink {
  const SmtpLimits* limits = nullptr;
  int sessions = 0, messages = 0;
  bool open = false;
  uint64_t streamed = 0;
  Sha256 hash;
  std::deque<std::pair<uint64_t, std::string>> ended;  // size and sha256, by OnMessageEnd

  void OnMessageStart() override {
    Check(!open);
    open = true;
    streamed = 0;
    hash.Reset();
  }
  void OnMessageBytes(const uint8_t* p, size_t n) override {
    Check(open && n > 0);
    streamed += n;
    hash.Update(p, n);
  }
  void OnMessageEnd() override {
    Check(open);
    open = false;
    ended.emplace_back(streamed, hash.FinalHex());
    Check(ended.size() <= 6);
  }
  void OnMessage(const spamwall::smtp::SmtpMessageEvent& m) override {
    Check(sessions == 0 && !ended.empty());
    messages++;
    Check(m.size == ended.front().first && m.sha256 == ended.front().second);
    ended.pop_front();
    Check(m.rcpt_to.size() <= limits->max_rcpts_kept && m.rcpt_to.size() <= m.rcpt_count);
    for (const std::string* f : {&m.mail_from, &m.message_id, &m.from, &m.subject, &m.x_mailer})
      Check(f->size() <= limits->max_field);
    Check(m.hits.empty());
    auto j = nlohmann::json::parse(spamwall::smtp::ToJsonLine(m));
    Check(j["size"] == m.size);
  }
  void OnSession(const spamwall::smtp::SmtpSessionEvent& s) override {
    Check(!open);
    sessions++;
    Check(s.messages == static_cast<uint64_t>(messages));
    Check(s.anomalies.size() <= 32 && s.reply_codes.size() <= limits->max_reply_codes);
    Check(s.ehlo_name.size() <= limits->max_field && s.auth_mechanism.size() <= 20);
    for (size_t i = 0; i < s.anomalies.size(); i++)
      for (size_t k = i + 1; k < s.anomalies.size(); k++) Check(s.anomalies[i] != s.anomalies[k]);
    Check(nlohmann::json::parse(spamwall::smtp::ToJsonLine(s))["type"] == "smtp_session");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  SmtpLimits limits;
  if (data[0] & 1) {  // small limits, so that short inputs reach every bound
    limits.max_command_line = 32;
    limits.max_reply_line = 32;
    limits.max_text_line = 40;
    limits.max_header_bytes = 128;
    limits.max_field = 16;
    limits.max_rcpts_kept = 3;
    limits.max_pending = 4;
    limits.max_hold = 48;
    limits.max_reply_codes = 4;
  }
  const bool midstream = data[0] & 2;
  spamwall::smtp::SmtpCounters counters;
  Sink sink;
  sink.limits = &limits;
  spamwall::smtp::SmtpEndpoint client{4, {100, 64, 0, 7}, 40000}, server{4, {192, 0, 2, 25}, 25};
  spamwall::smtp::SmtpSession session(client, server, 1, midstream, limits, &counters, &sink);
  const size_t bound = limits.max_command_line + limits.max_hold + limits.max_header_bytes +
                       2 * limits.max_pending + limits.max_rcpts_kept * (limits.max_field + 64) * 2 +
                       limits.max_reply_codes * 48 + 4096;
  uint64_t client_lfs = 0;
  double ts = 1;
  size_t i = 1;
  while (i + 2 <= size) {
    const uint8_t h = data[i], lo = data[i + 1];
    i += 2;
    const bool client_side = h & 1;
    ts += 0.001;
    if (h & 2) {
      session.Gap(client_side, lo * 97u + 1, ts);
      continue;
    }
    const size_t want = ((static_cast<size_t>(h) >> 2) << 8 | lo) + 1;
    const size_t n = std::min(want, size - i);
    // An exact-size copy, so that ASan sees a read past the chunk.
    std::string chunk(reinterpret_cast<const char*>(data + i), n);
    i += n;
    if (client_side) {
      for (char c : chunk) client_lfs += c == '\n';
      session.ClientData(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size(), ts);
    } else {
      session.ServerData(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size(), ts);
    }
    Check(session.BufferedBytes() <= bound);
  }
  session.Close(ts + 1, "fuzz");
  Check(!sink.open && sink.sessions <= 1 && sink.ended.empty());
  Check(counters.commands <= client_lfs);
  Check(counters.messages == static_cast<uint64_t>(sink.messages));
  return 0;
}
