#include "dataplane/sampler/tcp_reassembly.h"

#include <algorithm>
#include <cstring>

#include "dataplane/sampler/tcp_segment.h"

namespace spamwall::sampler {

ReassemblyOutput::~ReassemblyOutput() = default;

void TcpReassembler::Reset(ReassemblyOutput* out, bool client_side, const ReassemblyLimits* limits,
                           ReassemblyCounters* counters) {
  ReleaseAll();
  std::vector<Piece>().swap(ooo_);  // a reused slot keeps no memory
  out_ = out;
  client_side_ = client_side;
  limits_ = limits;
  counters_ = counters;
  started_ = midstream_ = syn_seen_ = rst_ = fin_known_ = false;
  isn_ = next_seq_ = 0;
  next_ = fin_off_ = 0;
}

void TcpReassembler::ReleaseAll() {
  if (counters_) counters_->ooo_bytes_now -= ooo_bytes_;
  ooo_.clear();
  ooo_bytes_ = 0;
}

void TcpReassembler::Segment(uint32_t seq, uint8_t flags, const uint8_t* p, uint32_t len, double ts,
                             uint32_t wire_len) {
  counters_->segments++;
  if (flags & kTcpRst) {  // its payload, if any, is a diagnostic: not stream data
    rst_ = true;
    return;
  }
  if (!started_) {
    started_ = true;
    if (flags & kTcpSyn) {
      syn_seen_ = true;
      isn_ = seq;
      next_seq_ = seq + 1;
    } else {
      midstream_ = true;
      next_seq_ = seq;
    }
  }
  const uint32_t data_seq = (flags & kTcpSyn) ? seq + 1 : seq;  // the SYN takes one number
  // Serial arithmetic (RFC 1982): the signed distance from the next byte.
  const int64_t delta = static_cast<int32_t>(data_seq - next_seq_);
  const int64_t window = limits_->window;
  if (delta > window || delta + static_cast<int64_t>(len) < -window) {
    counters_->out_of_window++;
    return;
  }
  int64_t off = static_cast<int64_t>(next_) + delta;
  if (off < 0) {  // before the stream's first byte: the part that is is old anyway
    const uint64_t cut = std::min<uint64_t>(static_cast<uint64_t>(-off), len);
    p += cut;
    len -= static_cast<uint32_t>(cut);
    off = 0;
  }
  uint64_t start = static_cast<uint64_t>(off);
  const uint64_t cut = wire_len > len ? wire_len - len : 0;  // lost to the snap length
  if (flags & kTcpFin) {
    if (!fin_known_ && start + len + cut >= next_) {
      fin_known_ = true;
      fin_off_ = start + len + cut;
    }
  }
  if (fin_known_ && start + len > fin_off_) {
    counters_->after_fin++;
    len = start >= fin_off_ ? 0 : static_cast<uint32_t>(fin_off_ - start);
  }
  if (len == 0) {
    if (cut > 0 && start == next_) {
      Hole(fin_known_ ? std::min<uint64_t>(cut, fin_off_ - next_) : cut, ts);
      Drain(ts);
    }
    return;
  }
  if (start + len <= next_) {
    counters_->retransmitted_segments++;
    counters_->overlap_bytes += len;
    return;
  }
  if (start < next_) {  // first copy wins: what was delivered stays
    const uint32_t cut = static_cast<uint32_t>(next_ - start);
    counters_->overlap_bytes += cut;
    p += cut;
    len -= cut;
    start = next_;
  }
  if (start == next_) {
    Deliver(p, len, ts);
    if (cut > 0) Hole(std::min<uint64_t>(cut, fin_known_ ? fin_off_ - next_ : cut), ts);
    Drain(ts);
    return;
  }
  if (Store(start, p, len)) return;
  counters_->ooo_buffer_full++;
  while (true) {
    if (ooo_.empty()) {  // alone it does not fit: the hole before it is given up
      Hole(start - next_, ts);
      Deliver(p, len, ts);
      Drain(ts);
      return;
    }
    GiveUpFirstHole(ts);
    if (start + len <= next_) {
      counters_->overlap_bytes += len;
      return;
    }
    if (start <= next_) {
      const uint32_t cut = static_cast<uint32_t>(next_ - start);
      counters_->overlap_bytes += cut;
      Deliver(p + cut, len - cut, ts);
      Drain(ts);
      return;
    }
    if (Store(start, p, len)) return;
  }
}

bool TcpReassembler::Store(uint64_t off, const uint8_t* p, size_t n) {
  // First pass: what of [off, off+n) no buffered piece covers (first copy
  // wins), and how the covered part compares.
  const uint64_t end = off + n;
  uint64_t cur = off, add = 0, covered = 0, conflicts = 0;
  size_t pieces = 0;
  for (const Piece& q : ooo_) {
    if (cur >= end) break;
    const uint64_t qb = q.off, qe = q.off + q.bytes.size();
    if (qe <= cur) continue;
    if (qb >= end) break;
    if (qb > cur) {
      add += qb - cur;
      pieces++;
    }
    const uint64_t ob = std::max(cur, qb), oe = std::min(end, qe);
    covered += oe - ob;
    if (std::memcmp(p + (ob - off), q.bytes.data() + (ob - qb), oe - ob) != 0) conflicts++;
    cur = qe;
  }
  if (cur < end) {
    add += end - cur;
    pieces++;
  }
  if (add == 0) {
    counters_->retransmitted_segments++;
    counters_->overlap_bytes += covered;
    counters_->overlap_conflicts += conflicts;
    return true;
  }
  if (ooo_bytes_ + add > limits_->max_ooo_bytes || ooo_.size() + pieces > limits_->max_ooo_segments ||
      counters_->ooo_bytes_now + add > limits_->max_ooo_bytes_total) {
    return false;
  }
  // Second pass: the uncovered parts go in, the list stays sorted.
  auto piece = [&](uint64_t b, uint64_t e) { return Piece{b, std::vector<uint8_t>(p + (b - off), p + (e - off))}; };
  cur = off;
  size_t i = 0;
  for (; i < ooo_.size() && cur < end; i++) {
    const uint64_t qb = ooo_[i].off, qe = ooo_[i].off + ooo_[i].bytes.size();
    if (qe <= cur) continue;
    if (qb >= end) break;
    if (qb > cur) ooo_.insert(ooo_.begin() + static_cast<ptrdiff_t>(i++), piece(cur, qb));
    cur = qe;
  }
  if (cur < end) ooo_.insert(ooo_.begin() + static_cast<ptrdiff_t>(i), piece(cur, end));
  ooo_bytes_ += add;
  counters_->ooo_bytes_now += add;
  counters_->overlap_bytes += covered;
  counters_->overlap_conflicts += conflicts;
  counters_->ooo_segments++;
  return true;
}

void TcpReassembler::Deliver(const uint8_t* p, size_t n, double ts) {
  const uint64_t cap = limits_->max_stream_bytes;
  const size_t give = next_ >= cap ? 0 : static_cast<size_t>(std::min<uint64_t>(n, cap - next_));
  if (give > 0) {
    counters_->bytes_delivered += give;
    out_->OnBytes(client_side_, p, give, ts);
  }
  counters_->bytes_over_cap += n - give;
  next_ += n;
  next_seq_ += static_cast<uint32_t>(n);
}

void TcpReassembler::Hole(uint64_t gap, double ts) {
  if (gap == 0) return;  // a cut tail that the FIN ends first
  counters_->gaps++;
  counters_->gap_bytes += gap;
  // Past the cap the output hears nothing more, holes included.
  const uint64_t cap = limits_->max_stream_bytes;
  if (next_ < cap) out_->OnGap(client_side_, std::min(gap, cap - next_), ts);
  next_ += gap;
  next_seq_ += static_cast<uint32_t>(gap);
}

void TcpReassembler::Drain(double ts) {
  while (!ooo_.empty() && ooo_.front().off <= next_) {
    Piece q = std::move(ooo_.front());
    ooo_.erase(ooo_.begin());
    ooo_bytes_ -= q.bytes.size();
    counters_->ooo_bytes_now -= q.bytes.size();
    const uint64_t qe = q.off + q.bytes.size();
    if (qe > next_) Deliver(q.bytes.data() + (next_ - q.off), qe - next_, ts);
  }
}

void TcpReassembler::GiveUpFirstHole(double ts) {
  if (ooo_.empty()) return;
  Hole(ooo_.front().off - next_, ts);
  Drain(ts);
}

void TcpReassembler::Flush(double ts) {
  while (!ooo_.empty()) GiveUpFirstHole(ts);
  if (fin_known_ && next_ < fin_off_) Hole(fin_off_ - next_, ts);  // bytes before the FIN never came
}

}  // namespace spamwall::sampler
