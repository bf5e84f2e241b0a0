#include "dataplane/sampler/stream_scans.h"

#include <algorithm>
#include <exception>
#include <string_view>

namespace spamwall::sampler {

nlohmann::json ScanCountersJson(const ScanCounters& c) {
  return {{"databases", c.databases},
          {"messages", c.messages},
          {"bytes", c.bytes},
          {"messages_hit", c.messages_hit},
          {"hits", c.hits},
          {"confirmations", c.confirmations},
          {"limit_hits", c.limit_hits},
          {"truncated", c.truncated},
          {"partly_confirmed", c.partly_confirmed},
          {"buffer_full", c.buffer_full},
          {"no_stream", c.no_stream},
          {"errors", c.errors}};
}

StreamScans::StreamScans(const ScanLimits& limits) : limits_(limits) {
  active_.reserve(limits.max_streams);
  spare_.reserve(limits.spare_streams);
}

StreamScans::~StreamScans() = default;

void StreamScans::Use(const std::shared_ptr<const signatures::Database>& db) {
  if (db.get() == seen_.get()) return;
  // Parked streams are bound to the database they were opened for.
  spare_.clear();
  db_.reset();
  seen_ = db;
  if (!db) return;
  try {
    if (scratch_) scratch_->Grow(*db);
    else scratch_ = std::make_unique<signatures::Scratch>(*db);
  } catch (const std::exception&) {
    counters_.errors++;  // scans nothing until the next database
    return;
  }
  db_ = db;
  counters_.databases++;
}

void StreamScans::Start(uint64_t uid) {
  if (!db_) return;  // no signatures (or none usable, counted in errors): nothing to do
  auto [it, fresh] = active_.try_emplace(uid);
  Slot& s = it->second;
  if (!fresh) Drop(s);  // the parser ends every message before the next; never left open
  s = Slot{};
  if (streams_ >= limits_.max_streams) {
    counters_.no_stream++;
    s.flagged = s.stopped = true;
    return;
  }
  try {
    if (!spare_.empty()) {
      s.stream = std::move(spare_.back());
      spare_.pop_back();
    } else {
      s.stream = std::make_unique<signatures::MessageStream>(*db_);
    }
  } catch (const std::exception&) {
    counters_.errors++;
    s.flagged = s.stopped = true;
    return;
  }
  s.db = db_;
  streams_++;
  counters_.messages++;
}

void StreamScans::Bytes(uint64_t uid, const uint8_t* p, size_t n) {
  if (active_.empty()) return;
  auto it = active_.find(uid);
  if (it == active_.end() || it->second.stopped) return;
  Slot& s = it->second;
  size_t take = static_cast<size_t>(std::min<uint64_t>(n, limits_.max_message_bytes - s.fed));
  // What this chunk may add to the confirmation buffers, at most: a message
  // that would take them over the budget stops here.
  if (s.db->needs_confirmation() && buffered_ + take > limits_.max_buffered_bytes) {
    counters_.buffer_full++;
    s.flagged = s.stopped = true;
    return;
  }
  try {
    s.stream->Feed(std::string_view(reinterpret_cast<const char*>(p), take), *scratch_);
  } catch (const std::exception&) {
    counters_.errors++;
    Drop(s);
    return;
  }
  s.fed += take;
  counters_.bytes += take;
  const size_t now = s.stream->buffered();
  buffered_ += now - s.buffered;
  s.buffered = now;
  if (take < n) {
    counters_.truncated++;
    s.flagged = s.stopped = true;
  }
}

void StreamScans::End(uint64_t uid, smtp::SmtpMessageEvent& m) {
  if (active_.empty()) return;
  auto it = active_.find(uid);
  if (it == active_.end()) return;
  Slot& s = it->second;
  m.hits_truncated = s.flagged;
  if (s.stream) {
    bool ok = true;
    try {
      s.stream->Finish(*scratch_, result_);
    } catch (const std::exception&) {
      counters_.errors++;
      ok = false;
    }
    if (ok) {
      for (const signatures::Hit& h : result_.hits)
        m.hits.push_back({std::string(h.id), std::string(signatures::ClassName(h.cls)), h.score});
      counters_.hits += result_.hits.size();
      counters_.messages_hit += result_.hits.empty() ? 0 : 1;
      counters_.confirmations += result_.confirmed.size();
      counters_.limit_hits += result_.limit_hits.size();
      counters_.partly_confirmed += result_.truncated ? 1 : 0;
      if (result_.truncated || !result_.limit_hits.empty()) m.hits_truncated = true;
      buffered_ -= s.buffered;
      s.buffered = 0;
      streams_--;
      if (s.db == db_ && spare_.size() < limits_.spare_streams) {
        s.stream->TrimBuffer(limits_.spare_buffer_bytes);
        spare_.push_back(std::move(s.stream));
      }
    } else {
      m.hits_truncated = true;
      Drop(s);
    }
  }
  active_.erase(it);
}

void StreamScans::Drop(Slot& s) {
  if (!s.stream) return;
  buffered_ -= s.buffered;
  s.buffered = 0;
  s.stream.reset();  // a failed stream is not reused
  streams_--;
  s.flagged = s.stopped = true;
}

}  // namespace spamwall::sampler
