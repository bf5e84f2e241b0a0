#include "dataplane/signatures/scanner.h"

#include <hs/hs.h>

#include <algorithm>
#include <chrono>
#include <new>
#include <stdexcept>

namespace spamwall::signatures {
namespace {

constexpr uint8_t kCandidate = 1;
constexpr uint8_t kHit = 2;
constexpr uint8_t kInBody = 3;

int OnHsMatch(unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
  static_cast<MessageStream*>(ctx)->OnMatch(id, to);
  return 0;
}

void Check(hs_error_t rc, const char* what) {
  if (rc == HS_SUCCESS) return;
  if (rc == HS_NOMEM) throw std::bad_alloc();
  throw std::runtime_error(std::string(what) + " failed: hyperscan error " + std::to_string(rc));
}

}  // namespace

Scratch::Scratch(const Database& db) { Grow(db); }

Scratch::~Scratch() { hs_free_scratch(hs_); }

void Scratch::Grow(const Database& db) {
  if (db.raw_db() != nullptr) Check(hs_alloc_scratch(db.raw_db(), &hs_), "hs_alloc_scratch");
  if (db.body_db() != nullptr) Check(hs_alloc_scratch(db.body_db(), &hs_), "hs_alloc_scratch");
}

MessageStream::MessageStream(const Database& db)
    : db_(db),
      state_(db.signatures().size(), 0),
      seen_(db.signatures().size(), 0),
      window_head_(db.windowed_count() > 0 ? db.signatures().size() : 0, kNoWindow),
      window_tail_(window_head_.size(), kNoWindow) {
  if (db.raw_db() != nullptr) Check(hs_open_stream(db.raw_db(), 0, &raw_), "hs_open_stream");
  if (db.body_db() != nullptr) Check(hs_open_stream(db.body_db(), 0, &body_), "hs_open_stream");
  touched_.reserve(64);
  gated_.reserve(64);
}

MessageStream::~MessageStream() {
  // Closing without a scratch reports nothing.
  if (raw_ != nullptr) hs_close_stream(raw_, nullptr, nullptr, nullptr);
  if (body_ != nullptr) hs_close_stream(body_, nullptr, nullptr, nullptr);
}

void MessageStream::AddWindow(const GateFactor& g, uint64_t to) {
  uint64_t first = to, last = to;  // with runs: the place, bounded at Finish()
  if (g.window_runs == 0) {
    first = to > g.window_back ? to - g.window_back : 0;
    last = to - g.window_front;  // a literal of at least window_front bytes ended at `to`
  }
  uint32_t tail = window_tail_[g.sig];
  if (tail != kNoWindow) {
    Window& w = windows_[tail];
    // Places come in order of their end: most extend the last window.
    if (g.window_runs == 0 ? first >= w.first && first <= w.last + 1 : first == w.first) {
      w.last = std::max(w.last, last);
      return;
    }
  }
  if (windows_.size() >= kMaxWindows) {
    windows_overflow_ = true;
    return;
  }
  uint32_t index = static_cast<uint32_t>(windows_.size());
  windows_.push_back({first, last, kNoWindow});
  if (tail == kNoWindow) {
    window_head_[g.sig] = index;
  } else {
    windows_[tail].next = index;
  }
  window_tail_[g.sig] = index;
}

uint64_t MessageStream::LongestRun(const std::vector<std::string>& classes) {
  uint64_t longest = 0;
  for (const std::string& c : classes) {
    uint64_t found = UINT64_MAX;
    for (const auto& [cls, run] : runs_) {
      if (*cls == c) found = run;
    }
    if (found == UINT64_MAX) {
      bool in[256] = {};
      for (char b : c) in[static_cast<unsigned char>(b)] = true;
      uint64_t run = 0;
      found = 0;
      for (char b : buffer_) {
        run = in[static_cast<unsigned char>(b)] ? run + 1 : 0;
        found = std::max(found, run);
      }
      runs_.emplace_back(&c, found);
    }
    longest = std::max(longest, found);
  }
  return longest;
}

MatchOutcome MessageStream::ConfirmInWindows(uint32_t sig, std::string_view subject,
                                             Scratch& scratch) {
  spans_.clear();
  const GateFactor& g = db_.window(sig);
  if (g.window_runs > 0) {
    // The whole message's runs: at least the scope's.
    uint64_t run = LongestRun(g.run_classes);
    uint64_t back = run > (UINT64_MAX - g.window_back) / g.window_runs
                        ? UINT64_MAX
                        : g.window_back + g.window_runs * run;
    for (uint32_t i = window_head_[sig]; i != kNoWindow; i = windows_[i].next) {
      uint64_t to = windows_[i].first;
      spans_.emplace_back(to > back ? to - back : 0, to - g.window_front);
    }
  } else {
    for (uint32_t i = window_head_[sig]; i != kNoWindow; i = windows_[i].next) {
      spans_.emplace_back(windows_[i].first, windows_[i].last);
    }
  }
  std::sort(spans_.begin(), spans_.end());
  const Pcre2Regex& re = *db_.confirmation(sig);
  MatchOutcome outcome = MatchOutcome::kNoMatch;
  for (size_t i = 0; i < spans_.size();) {
    uint64_t first = spans_[i].first, last = spans_[i].second;
    for (++i; i < spans_.size() && spans_[i].first <= last + 1; ++i) {
      last = std::max(last, spans_[i].second);
    }
    // Past the bytes kept (a truncated message): no match starts there.
    if (first > subject.size()) break;
    last = std::min<uint64_t>(last, subject.size());
    MatchOutcome m = re.SearchWindow(subject, first, last, scratch.pcre2());
    if (m == MatchOutcome::kMatch) return m;
    if (m == MatchOutcome::kLimit) outcome = m;
  }
  return outcome;
}

void MessageStream::OnMatch(unsigned id, uint64_t to) {
  size_t n = state_.size();
  if (id >= n) {
    const GateFactor& g = db_.gates()[id - n];
    uint32_t& seen = seen_[g.sig];
    if (seen == 0) gated_.push_back(g.sig);
    seen |= 1u << g.bit;
    if (g.window && !windows_overflow_) AddWindow(g, to);
    if (seen == db_.gate_mask(g.sig) && state_[g.sig] == 0) {
      state_[g.sig] = kCandidate;
      touched_.push_back(g.sig);
    }
    return;
  }
  uint8_t& s = state_[id];
  if (s == 0) touched_.push_back(id);
  if (db_.plan(id) == Plan::kExact) {
    s = kHit;
  } else if (s == 0) {
    s = kCandidate;
  }
}

void MessageStream::FeedBody(std::string_view bytes, Scratch& scratch) {
  if (body_ == nullptr || bytes.empty()) return;
  Check(hs_scan_stream(body_, bytes.data(), static_cast<unsigned>(bytes.size()), 0, scratch.hs(),
                       OnHsMatch, this),
        "hs_scan_stream");
}

void MessageStream::Feed(std::string_view chunk, Scratch& scratch) {
  if (chunk.empty()) return;
  uint64_t start = bytes_;
  bytes_ += chunk.size();
  if (db_.needs_confirmation()) {
    size_t room = db_.options().max_message_bytes - std::min<size_t>(buffer_.size(),
                                                                    db_.options().max_message_bytes);
    buffer_.append(chunk.data(), std::min(room, chunk.size()));
  }
  if (raw_ != nullptr) {
    Check(hs_scan_stream(raw_, chunk.data(), static_cast<unsigned>(chunk.size()), 0, scratch.hs(),
                         OnHsMatch, this),
          "hs_scan_stream");
  }
  if (header_state_ == kInBody) {
    FeedBody(chunk, scratch);
    return;
  }
  // The header block ends at the first "\n\n" or "\n\r\n".
  for (size_t i = 0; i < chunk.size(); ++i) {
    char c = chunk[i];
    if (c == '\n' && header_state_ != 0) {
      header_state_ = kInBody;
      body_offset_ = start + i + 1;
      FeedBody(chunk.substr(i + 1), scratch);
      return;
    }
    if (c == '\n') {
      header_state_ = 1;
    } else if (c == '\r' && header_state_ == 1) {
      header_state_ = 2;
    } else {
      header_state_ = 0;
    }
  }
}

void MessageStream::Finish(Scratch& scratch, ScanResult& out, bool confirm) {
  out.clear();
  out.bytes = bytes_;
  if (raw_ != nullptr) Check(hs_reset_stream(raw_, 0, scratch.hs(), OnHsMatch, this), "hs_reset_stream");
  if (body_ != nullptr) {
    Check(hs_reset_stream(body_, 0, scratch.hs(), OnHsMatch, this), "hs_reset_stream");
  }
  std::sort(touched_.begin(), touched_.end());
  bool truncated = bytes_ > buffer_.size();
  for (uint32_t id : touched_) {
    uint8_t s = state_[id];
    state_[id] = 0;
    if (s == kCandidate && !confirm) continue;
    if (s == kCandidate) {
      const Signature& sig = db_.signatures()[id];
      std::string_view subject = buffer_;
      if (sig.scope == Scope::kBody) {
        subject = header_state_ == kInBody && body_offset_ <= buffer_.size()
                      ? subject.substr(body_offset_)
                      : std::string_view();
      }
      out.confirmed.push_back(id);
      if (truncated) out.truncated = true;
      auto start = profile_ != nullptr ? std::chrono::steady_clock::now()
                                       : std::chrono::steady_clock::time_point();
      MatchOutcome m = db_.windowed(id) && !windows_overflow_
                           ? ConfirmInWindows(id, subject, scratch)
                           : db_.confirmation(id)->Search(subject, scratch.pcre2());
      if (profile_ != nullptr) {
        (*profile_)[id] +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      }
      if (m == MatchOutcome::kLimit) out.limit_hits.push_back(id);
      if (m != MatchOutcome::kMatch) continue;
    }
    const Signature& sig = db_.signatures()[id];
    out.hits.push_back(Hit{id, sig.id, sig.cls, sig.score});
  }
  touched_.clear();
  for (uint32_t id : gated_) {
    seen_[id] = 0;
    if (!window_head_.empty()) window_head_[id] = window_tail_[id] = kNoWindow;
  }
  gated_.clear();
  windows_.clear();
  windows_overflow_ = false;
  runs_.clear();
  buffer_.clear();
  header_state_ = 0;
  body_offset_ = 0;
  bytes_ = 0;
}

void MessageStream::TrimBuffer(size_t keep) {
  if (windows_.capacity() > kMaxWindows / 4) std::vector<Window>().swap(windows_);
  if (buffer_.capacity() <= keep) return;
  std::string smaller;  // Finish() left the buffer empty
  smaller.reserve(keep);
  buffer_.swap(smaller);
}

void ScanMessage(const Database&, Scratch& scratch, MessageStream& stream,
                 std::string_view message, ScanResult& out) {
  stream.Feed(message, scratch);
  stream.Finish(scratch, out);
}

}  // namespace spamwall::signatures
