#include "dataplane/app/event_stream.h"

#include <algorithm>

namespace spamwall {

EventStream::EventStream(size_t max_bytes) : max_bytes_(max_bytes) {}

void EventStream::Append(const std::string& batch, uint64_t lines) {
  if (lines == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t first = last_ + 1;
  last_ += lines;
  appended_ += lines;
  if (batch.size() > max_bytes_) {  // numbered, so a reader sees them as missed
    dropped_ += lines;
    return;
  }
  while (!batches_.empty() && bytes_ + batch.size() > max_bytes_) {
    bytes_ -= batches_.front().text.size();
    dropped_ += batches_.front().lines;
    held_ -= batches_.front().lines;
    batches_.pop_front();
  }
  batches_.push_back({first, lines, batch});
  bytes_ += batch.size();
  held_ += lines;
}

EventStream::Read EventStream::ReadAfter(uint64_t after, size_t max_bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  Read r;
  r.next = std::min(after, last_);  // a cursor from a dataplane before a restart starts over
  if (after > last_) r.next = 0;
  const uint64_t from = r.next + 1;  // the first line wanted
  // Batches are in order of `first`: find the one holding `from` or the first after it.
  auto it = std::lower_bound(batches_.begin(), batches_.end(), from,
                             [](const Batch& b, uint64_t seq) { return b.first + b.lines <= seq; });
  if (it == batches_.end()) {
    r.missed = last_ - r.next;  // everything after the cursor was dropped
    r.next = last_;
    return r;
  }
  r.missed = it->first > from ? it->first - from : 0;
  for (; it != batches_.end(); ++it) {
    size_t skip_bytes = 0;
    uint64_t skip_lines = 0;
    if (it->first < from) {  // a cursor inside a batch: skip the lines already read
      skip_lines = from - it->first;
      for (uint64_t i = 0; i < skip_lines; i++) skip_bytes = it->text.find('\n', skip_bytes) + 1;
    }
    const size_t take = it->text.size() - skip_bytes;
    if (r.count > 0 && r.lines.size() + take > max_bytes) break;
    if (r.count == 0) r.first = it->first + skip_lines;
    r.lines.append(it->text, skip_bytes, take);
    r.count += it->lines - skip_lines;
    r.next = it->first + it->lines - 1;
  }
  return r;
}

EventStream::Counters EventStream::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {appended_, dropped_, held_, bytes_, last_};
}

}  // namespace spamwall
