#include "dataplane/smtp/smtp_parser.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace spamwall::smtp {

SmtpEventSink::~SmtpEventSink() = default;

namespace {

char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (Upper(a[i]) != Upper(b[i])) return false;
  return true;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string Bounded(std::string_view s, uint32_t max) {
  return std::string(s.substr(0, std::min<size_t>(s.size(), max)));
}

// "FROM:<a@b> SIZE=1" after the verb: the path inside <>, else the token.
std::string PathArg(std::string_view rest, std::string_view keyword, uint32_t max) {
  rest = TrimSpace(rest);
  if (!IStartsWith(rest, keyword)) return "";
  rest = TrimSpace(rest.substr(keyword.size()));
  if (!rest.empty() && rest.front() == '<') {
    const size_t close = rest.find('>');
    return Bounded(rest.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1), max);
  }
  return Bounded(rest.substr(0, rest.find(' ')), max);
}

bool IsControl(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

}  // namespace

SmtpSession::SmtpSession(const SmtpEndpoint& client, const SmtpEndpoint& server, double ts,
                         bool midstream, const SmtpLimits& limits, SmtpCounters* counters,
                         SmtpEventSink* sink, uint64_t uid)
    : limits_(limits), counters_(counters), sink_(sink) {
  session_.uid = uid;
  session_.client = client;
  session_.server = server;
  session_.ts_start = ts;
  session_.ts_end = ts;
  session_.midstream = midstream;
  greeting_seen_ = midstream;  // picked up mid-way: no greeting to wait for
  now_ = ts;
}

size_t SmtpSession::BufferedBytes() const {
  size_t n = line_.capacity() + held_.capacity() + header_.capacity() +
             pending_.capacity() * sizeof(Verb) + session_.reply_codes.size() * 48;
  for (const auto& r : msg_.rcpt_to) n += r.capacity();
  n += done_.capacity() * sizeof(Done);
  for (const auto& d : done_)
    for (const auto& r : d.m->rcpt_to) n += r.capacity();
  return n;
}

void SmtpSession::Anomaly(const char* name) {
  for (const auto& a : session_.anomalies)
    if (a == name) return;
  session_.anomalies.emplace_back(name);
}

// ---- client side ------------------------------------------------------------

void SmtpSession::ClientData(const uint8_t* p, size_t n, double ts) {
  if (closed_ || n == 0) return;
  now_ = ts;
  saw_bytes_ = true;
  Feed(p, n);
}

void SmtpSession::Feed(const uint8_t* p, size_t n) {
  while (n > 0) {
    size_t used = 0;
    switch (cstate_) {
      case Client::kCommand: used = CommandBytes(p, n); break;
      case Client::kAuth: used = SkipLine(p, n); break;
      case Client::kDataWait: used = HoldBytes(p, n); break;
      case Client::kData: used = DataBytes(p, n); break;
      case Client::kBdat: used = BdatBytes(p, n); break;
      case Client::kStarttlsWait:
        // RFC 3207: nothing may follow STARTTLS before its reply. What does
        // is an injection attempt; it is never parsed.
        counters_->starttls_discarded_bytes += n;
        Anomaly("starttls_pipelined");
        used = n;
        break;
      case Client::kTls:
        counters_->tls_bytes += n;
        used = n;
        break;
    }
    p += used;
    n -= used;
  }
}

size_t SmtpSession::CommandBytes(const uint8_t* p, size_t n) {
  const void* lf = std::memchr(p, '\n', n);
  const size_t take = lf ? static_cast<const uint8_t*>(lf) - p : n;
  if (!skip_line_) {
    const size_t room = limits_.max_command_line - std::min<size_t>(line_.size(), limits_.max_command_line);
    line_.append(reinterpret_cast<const char*>(p), std::min(room, take));
  }
  line_wire_ += static_cast<uint32_t>(std::min<size_t>(take, UINT32_MAX - line_wire_));
  if (!lf) return n;
  if (skip_line_) {
    skip_line_ = false;
  } else {
    if (line_wire_ + 1 > limits_.max_command_line) {
      counters_->command_lines_too_long++;
      Anomaly("command_line_too_long");
    }
    Command(line_);
  }
  line_.clear();
  line_wire_ = 0;
  return take + 1;
}

size_t SmtpSession::SkipLine(const uint8_t* p, size_t n) {
  // SASL responses: skipped unread, so credentials never reach a buffer.
  const void* lf = std::memchr(p, '\n', n);
  if (!lf) return n;
  counters_->auth_lines++;
  return static_cast<const uint8_t*>(lf) - p + 1;
}

size_t SmtpSession::HoldBytes(const uint8_t* p, size_t n) {
  // A client waits for 354 before the message; until the reply we cannot
  // tell message bytes from commands (a refused DATA), so they wait too.
  const size_t room = limits_.max_hold - std::min<size_t>(held_.size(), limits_.max_hold);
  const size_t take = std::min(room, n);
  held_.append(reinterpret_cast<const char*>(p), take);
  if (take < n) {
    // Too much to be commands: taken as the message (the 354 lost or late).
    counters_->data_before_reply++;
    Anomaly("data_before_reply");
    cstate_ = Client::kData;
    BeginContent(DataMode::kData);
    ReplayHeld();
  }
  return take;
}

void SmtpSession::ReplayHeld() {
  std::string held;
  held.swap(held_);
  Feed(reinterpret_cast<const uint8_t*>(held.data()), held.size());
  if (held_.empty()) {  // keep the allocation when nothing new was held
    held.clear();
    held_.swap(held);
  }
}

size_t SmtpSession::DataBytes(const uint8_t* p, size_t n) {
  uint8_t out[2048];
  size_t on = 0;
  auto put = [&](uint8_t c) {
    out[on++] = c;
    if (on == sizeof out) {
      Content(out, on);
      on = 0;
    }
  };
  for (size_t i = 0; i < n; i++) {
    const uint8_t c = p[i];
    text_line_++;
    switch (dot_) {
      case Dot::kStart:
        if (c == '.') {
          dot_ = Dot::kDot;
          continue;
        }
        break;
      case Dot::kDot:
        if (c == '\r') {
          dot_ = Dot::kDotCr;
          continue;
        }
        if (c == '\n') {  // ".\n": Postfix ends the data on a bare LF too
          Content(out, on);
          EndContent();
          Push(Verb::kEod);
          return i + 1;
        }
        break;  // a stuffed dot: dropped
      case Dot::kDotCr:
        if (c == '\n') {
          Content(out, on);
          EndContent();
          Push(Verb::kEod);
          return i + 1;
        }
        put('\r');  // ".\rX": the dot was stuffing, the CR is data
        break;
      case Dot::kMid:
        break;
    }
    put(c);
    if (c == '\n') {
      if (text_line_ > limits_.max_text_line) {
        counters_->text_lines_too_long++;
        Anomaly("text_line_too_long");
      }
      text_line_ = 0;
      dot_ = Dot::kStart;
    } else {
      dot_ = Dot::kMid;
    }
  }
  Content(out, on);
  return n;
}

size_t SmtpSession::BdatBytes(const uint8_t* p, size_t n) {
  const size_t take = static_cast<size_t>(std::min<uint64_t>(n, chunk_left_));
  Content(p, take);
  chunk_left_ -= take;
  if (chunk_left_ == 0) {
    cstate_ = Client::kCommand;
    if (chunk_last_) EndContent();
  }
  return take;
}

void SmtpSession::Push(Verb v) {
  if (pending_.size() - pending_head_ >= limits_.max_pending) {
    counters_->pending_overflow++;
    Anomaly("pending_overflow");
    return;
  }
  // Keep the queue compact when it never drains (a client always ahead).
  if (pending_head_ > 64 && pending_head_ * 2 > pending_.size()) {
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(pending_head_));
    pending_head_ = 0;
  }
  pending_.push_back(v);
}

void SmtpSession::Command(std::string& line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  counters_->commands++;
  session_.commands++;
  if (!greeting_seen_) Anomaly("client_before_greeting");
  if (pending_.size() > pending_head_) session_.pipelined = true;
  if (std::any_of(line.begin(), line.end(), [](char c) { return IsControl(static_cast<unsigned char>(c)); })) {
    counters_->binary_lines++;
    Anomaly("binary_command");
  }
  const std::string_view l(line);
  const size_t sp = l.find(' ');
  const std::string_view verb = l.substr(0, sp);
  const std::string_view rest = sp == std::string_view::npos ? std::string_view() : l.substr(sp + 1);

  if (IEquals(verb, "EHLO") || IEquals(verb, "HELO")) {
    session_.helo_verb = IEquals(verb, "EHLO") ? "EHLO" : "HELO";
    session_.ehlo_name = Bounded(TrimSpace(rest), limits_.max_field);
    Push(Verb::kHelo);
  } else if (IEquals(verb, "MAIL")) {
    if (content_) AbortMessage();
    ResetTransaction();
    txn_ = true;
    msg_.ts = now_;
    msg_.mail_from = PathArg(rest, "FROM:", limits_.max_field);
    Push(Verb::kMail);
  } else if (IEquals(verb, "RCPT")) {
    if (!txn_) {  // picked up mid-transaction
      txn_ = true;
      msg_.ts = now_;
    }
    msg_.rcpt_count++;
    if (msg_.rcpt_to.size() < limits_.max_rcpts_kept) {
      msg_.rcpt_to.push_back(PathArg(rest, "TO:", limits_.max_field));
    } else {
      counters_->rcpts_not_kept++;
      Anomaly("too_many_rcpts");
    }
    Push(Verb::kRcpt);
  } else if (IEquals(verb, "DATA")) {
    Push(Verb::kData);
    cstate_ = Client::kDataWait;
  } else if (IEquals(verb, "BDAT")) {
    const std::string_view args = TrimSpace(rest);
    const size_t sp2 = args.find(' ');
    const std::string_view size = args.substr(0, sp2);
    const std::string_view last =
        sp2 == std::string_view::npos ? std::string_view() : TrimSpace(args.substr(sp2 + 1));
    uint64_t chunk = 0;
    bool ok = !size.empty() && size.size() <= 18 && (last.empty() || IEquals(last, "LAST"));
    for (char c : size) {
      if (c < '0' || c > '9') ok = false;
      chunk = chunk * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!ok) {
      // The server refuses it; what follows is ambiguous, so read on as commands.
      Anomaly("bdat_bad_size");
      Push(Verb::kOther);
      return;
    }
    if (!content_) BeginContent(DataMode::kBdat);
    chunk_left_ = chunk;
    chunk_last_ = !last.empty();
    Push(chunk_last_ ? Verb::kBdatLast : Verb::kBdat);
    if (chunk_left_ > 0) {
      cstate_ = Client::kBdat;
    } else if (chunk_last_) {
      EndContent();
    }
  } else if (IEquals(verb, "RSET")) {
    if (content_) AbortMessage();
    ResetTransaction();
    Push(Verb::kRset);
  } else if (IEquals(verb, "STARTTLS")) {
    Push(Verb::kStarttls);
    cstate_ = Client::kStarttlsWait;
  } else if (IEquals(verb, "AUTH")) {
    // The mechanism only (a SASL name: RFC 4422 3.1); the initial response
    // that may follow it is wiped with the line.
    const std::string_view r = TrimSpace(rest);
    std::string mech;
    for (size_t i = 0; i < r.size() && mech.size() < 20; i++) {
      const char c = Upper(r[i]);
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) break;
      mech.push_back(c);
    }
    session_.auth_mechanism = mech;
    std::fill(line.begin(), line.end(), '\0');
    Push(Verb::kAuth);
    cstate_ = Client::kAuth;
  } else {
    static constexpr std::string_view kKnown[] = {"QUIT", "NOOP", "VRFY", "EXPN", "HELP",
                                                  "ETRN", "XCLIENT", "XFORWARD", "TURN", "ATRN"};
    if (std::none_of(std::begin(kKnown), std::end(kKnown), [&](std::string_view k) { return IEquals(verb, k); })) {
      counters_->unknown_commands++;
      Anomaly("unknown_command");
    }
    Push(Verb::kOther);
  }
}

// ---- server side ------------------------------------------------------------

void SmtpSession::ServerData(const uint8_t* p, size_t n, double ts) {
  if (closed_ || n == 0) return;
  now_ = ts;
  saw_bytes_ = true;
  size_t i = 0;
  while (i < n) {
    if (server_tls_) {
      counters_->tls_bytes += n - i;
      return;
    }
    const void* lf = std::memchr(p + i, '\n', n - i);
    const size_t end = lf ? static_cast<const uint8_t*>(lf) - p : n;
    for (size_t j = i; j < end && rhead_len_ < sizeof rhead_; j++) rhead_[rhead_len_++] = p[j];
    rline_ += static_cast<uint32_t>(std::min<size_t>(end - i, UINT32_MAX - rline_));
    i = end;
    if (lf) {
      i++;
      if (!rskip_) ReplyLine();
      rskip_ = false;
      rhead_len_ = 0;
      rline_ = 0;
    }
  }
}

void SmtpSession::ReplyLine() {
  if (rline_ + 1 > limits_.max_reply_line) {
    counters_->reply_lines_too_long++;
    Anomaly("reply_line_too_long");
  }
  auto digit = [&](int i) { return rhead_len_ > i && rhead_[i] >= '0' && rhead_[i] <= '9'; };
  const uint8_t sep = rhead_len_ > 3 ? rhead_[3] : ' ';
  if (!digit(0) || !digit(1) || !digit(2) || !(sep == ' ' || sep == '-' || sep == '\r')) {
    counters_->bad_replies++;
    Anomaly("bad_reply");
    return;
  }
  if (sep == '-') return;  // a multi-line reply goes on; its last line counts
  Reply(static_cast<uint16_t>((rhead_[0] - '0') * 100 + (rhead_[1] - '0') * 10 + (rhead_[2] - '0')));
}

void SmtpSession::Reply(uint16_t code) {
  counters_->replies++;
  auto it = session_.reply_codes.find(code);
  if (it != session_.reply_codes.end()) {
    it->second++;
  } else if (session_.reply_codes.size() < limits_.max_reply_codes) {
    session_.reply_codes.emplace(code, 1);
  } else {
    counters_->reply_codes_not_kept++;
  }
  if (!greeting_seen_) {
    greeting_seen_ = true;
    return;
  }
  if (pending_head_ == pending_.size()) {
    counters_->unmatched_replies++;
    if (!session_.midstream) Anomaly("unmatched_reply");
    return;
  }
  const Verb v = pending_[pending_head_];
  if (v == Verb::kAuth && code == 334) return;  // SASL goes on; the AUTH still waits
  if (++pending_head_ == pending_.size()) {
    pending_.clear();
    pending_head_ = 0;
  }
  switch (v) {
    case Verb::kData:
      if (cstate_ != Client::kDataWait) break;
      if (code == 354) {
        cstate_ = Client::kData;
        BeginContent(DataMode::kData);
      } else {
        cstate_ = Client::kCommand;  // refused: what was held is commands
      }
      ReplayHeld();
      break;
    case Verb::kEod:
    case Verb::kBdatLast:
      for (Done& d : done_) {
        if (d.waiting) {
          d.m->final_reply = code;
          d.waiting = false;
          break;
        }
      }
      FlushDone(false);
      break;
    case Verb::kStarttls:
      if (code == 220) {
        session_.starttls = true;
        cstate_ = Client::kTls;
        server_tls_ = true;
        if (content_) AbortMessage();
      } else if (cstate_ == Client::kStarttlsWait) {
        cstate_ = Client::kCommand;
      }
      break;
    case Verb::kAuth:
      if (cstate_ == Client::kAuth) cstate_ = Client::kCommand;
      break;
    default:
      break;
  }
}

// ---- gaps and close ---------------------------------------------------------

void SmtpSession::Gap(bool client_side, uint64_t bytes, double ts) {
  if (closed_) return;
  now_ = ts;
  counters_->gaps++;
  counters_->gap_bytes += bytes;
  if (!client_side) {
    Anomaly("server_gap");
    rskip_ = true;  // mid-line now: the next LF ends a line we cannot read
    rhead_len_ = 0;
    rline_ = 0;
    return;
  }
  Anomaly("client_gap");
  switch (cstate_) {
    case Client::kData:
      damaged_ = true;
      dot_ = Dot::kMid;
      return;
    case Client::kBdat:
      damaged_ = true;
      if (bytes < chunk_left_) {  // the chunk's count keeps us in step
        chunk_left_ -= bytes;
        return;
      }
      chunk_left_ = 0;
      cstate_ = Client::kCommand;
      if (chunk_last_) EndContent();
      break;
    case Client::kDataWait:
      held_.clear();
      cstate_ = Client::kCommand;
      break;
    default:
      break;
  }
  line_.clear();
  line_wire_ = 0;
  skip_line_ = cstate_ == Client::kCommand;
}

void SmtpSession::Close(double ts, const char* why) {
  if (closed_) return;
  now_ = ts;
  if (content_) AbortMessage();
  FlushDone(true);  // replies that never came: final_reply 0
  closed_ = true;
  session_.ts_end = ts;
  session_.close_reason = why ? why : "";
  if (!saw_bytes_) return;  // a flow without payload is no SMTP session
  counters_->sessions++;
  sink_->OnSession(session_);
}

// ---- the message ------------------------------------------------------------

void SmtpSession::ResetTransaction() {
  txn_ = false;
  content_ = false;
  damaged_ = false;
  in_headers_ = false;
  header_end_seen_ = false;
  header_line_ = 0;
  header_.clear();
  msg_ = SmtpMessageEvent{};
  msg_.uid = session_.uid;
  msg_.client = session_.client;
  msg_.server = session_.server;
}

void SmtpSession::BeginContent(DataMode mode) {
  if (content_) AbortMessage();  // DATA after BDAT chunks without LAST (RFC 3030 forbids it)
  if (!txn_) {  // DATA without MAIL (mid-stream, or a refused MAIL): still a message
    ResetTransaction();
    txn_ = true;
    msg_.ts = now_;
  }
  msg_.uid = session_.uid;
  msg_.client = session_.client;
  msg_.server = session_.server;
  content_ = true;
  msg_.data_mode = mode;
  if (!sha_) sha_ = std::make_unique<Sha256>();
  sha_->Reset();
  in_headers_ = true;
  dot_ = Dot::kStart;
  text_line_ = 0;
  sink_->OnStreamStart(session_.uid);
}

void SmtpSession::Content(const uint8_t* p, size_t n) {
  if (n == 0) return;
  msg_.size += n;
  counters_->message_bytes += n;
  sha_->Update(p, n);
  sink_->OnStreamBytes(session_.uid, p, n);
  if (in_headers_) HeaderBytes(p, n);
}

void SmtpSession::HeaderBytes(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const uint8_t c = p[i];
    if (c == '\n') {
      if (header_line_ == 0) {  // the empty line: the header block ends
        header_end_seen_ = true;
        ParseHeaders();
        return;
      }
      header_line_ = 0;
    } else if (c != '\r') {
      header_line_++;
    }
    if (header_.size() >= limits_.max_header_bytes) {
      counters_->headers_truncated++;
      Anomaly("header_too_long");
      ParseHeaders();  // what fits; the rest is not read as headers
      return;
    }
    header_.push_back(static_cast<char>(c));
  }
}

void SmtpSession::ParseHeaders() {
  in_headers_ = false;
  std::string_view block(header_);
  std::string field;  // one header, unfolded
  auto take = [&]() {
    const size_t colon = field.find(':');
    if (colon == std::string::npos) return;
    const std::string_view name = TrimSpace(std::string_view(field).substr(0, colon));
    const std::string_view value = TrimSpace(std::string_view(field).substr(colon + 1));
    std::string* slot = IEquals(name, "Message-ID") ? &msg_.message_id
                        : IEquals(name, "From")     ? &msg_.from
                        : IEquals(name, "Subject")  ? &msg_.subject
                        : IEquals(name, "X-Mailer") ? &msg_.x_mailer
                                                    : nullptr;
    if (slot && slot->empty()) *slot = Bounded(value, limits_.max_field);  // the first one counts
  };
  while (!block.empty()) {
    const size_t lf = block.find('\n');
    std::string_view line = block.substr(0, lf);
    block.remove_prefix(lf == std::string_view::npos ? block.size() : lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {  // folded: RFC 5322 2.2.3
      if (field.size() < limits_.max_header_bytes) field.append(line);
      continue;
    }
    take();
    field.assign(line);
  }
  take();
  header_.clear();
}

void SmtpSession::FinishContent() {
  if (in_headers_) ParseHeaders();
  msg_.sha256 = sha_->FinalHex();
  sink_->OnStreamDone(session_.uid, msg_);
}

void SmtpSession::EndContent() {
  FinishContent();
  msg_.complete = !damaged_;
  cstate_ = Client::kCommand;
  Finished(true);
  ResetTransaction();
}

void SmtpSession::Finished(bool waiting) {
  done_.push_back({std::make_unique<SmtpMessageEvent>(std::move(msg_)), waiting});
  // A few may wait on pipelined replies; more means replies are lost.
  if (done_.size() > 4) done_.front().waiting = false;
  FlushDone(false);
}

void SmtpSession::FlushDone(bool all) {
  size_t n = 0;
  while (n < done_.size() && (all || !done_[n].waiting)) Emit(*done_[n++].m);
  done_.erase(done_.begin(), done_.begin() + static_cast<ptrdiff_t>(n));
}

void SmtpSession::AbortMessage() {
  counters_->data_unterminated++;
  Anomaly("data_unterminated");
  FinishContent();
  msg_.complete = false;
  Finished(false);  // behind any message still waiting for its reply
  ResetTransaction();
}

void SmtpSession::Emit(SmtpMessageEvent& m) {
  counters_->messages++;
  if (!m.complete) counters_->messages_incomplete++;
  session_.messages++;
  sink_->OnMessage(m);
}

}  // namespace spamwall::smtp
