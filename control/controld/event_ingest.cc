#include "control/controld/event_ingest.h"

#include <chrono>
#include <cstdio>

#include "control/controld/atomic_file.h"
#include "ipc/api/dataplane_api.h"
#include "ipc/regular_file.h"

namespace spamwall::controld {

using nlohmann::json;

namespace {
double SteadyNow() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

EventIngest::EventIngest(const std::string& dataplane_socket, Containment* containment, Options options)
    : link_(dataplane_socket, 5), containment_(containment), options_(std::move(options)) {}

void EventIngest::Start() {
  LoadCursor();
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void EventIngest::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

IngestCounters EventIngest::Counters() const {
  std::lock_guard<std::mutex> lock(counters_mu_);
  return counters_;
}

void EventIngest::LoadCursor() {
  if (options_.cursor_path.empty()) return;
  std::string error;
  bool missing = false;
  std::optional<std::string> text =
      proto::ReadRegularFile(options_.cursor_path, {4096, false}, &error, &missing);
  if (!text) {
    if (!missing) std::fprintf(stderr, "spamwall-controld: %s (ignored)\n", error.c_str());
    return;
  }
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("stream") || !j["stream"].is_string() || !j.contains("cursor") ||
      !j["cursor"].is_number_unsigned()) {
    std::fprintf(stderr, "spamwall-controld: %s does not read (ignored: events are read from the "
                 "dataplane's oldest held)\n", options_.cursor_path.c_str());
    return;
  }
  stream_ = j["stream"].get<std::string>();
  cursor_ = j["cursor"].get<uint64_t>();
}

void EventIngest::SaveCursor() {
  if (options_.cursor_path.empty()) return;
  std::string error;
  if (!AtomicWriteFile(options_.cursor_path, json{{"stream", stream_}, {"cursor", cursor_}}.dump() + "\n", &error))
    std::fprintf(stderr, "spamwall-controld: event cursor not saved: %s\n", error.c_str());
}

bool EventIngest::ReadOnce() {
  api::EventsReadArgs args;
  args.after = cursor_;
  json reply;
  std::string error;
  const bool answered = link_.Call(api::dp::kEventsRead, args.ToJson(), &reply, &error);
  {
    std::lock_guard<std::mutex> lock(counters_mu_);
    counters_.connected = answered;
  }
  if (!answered || !reply.value("ok", false)) return false;
  api::EventsReadResult r;
  if (!api::EventsReadResult::FromJson(reply["result"], &r, &error)) {
    std::fprintf(stderr, "spamwall-controld: events.read: %s\n", error.c_str());
    return false;
  }
  bool changed = false;
  if (r.stream != stream_) {  // another dataplane run, numbered from 1 again
    stream_ = r.stream;
    changed = true;
    if (args.after != 0) {  // asked with the old run's cursor: again from the new one's start
      cursor_ = 0;
      SaveCursor();
      return true;
    }
  }
  std::vector<json> batch;
  uint64_t bad = 0;
  size_t pos = 0;
  while (pos < r.lines.size()) {
    size_t end = r.lines.find('\n', pos);
    if (end == std::string::npos) end = r.lines.size();
    json e = json::parse(r.lines.begin() + pos, r.lines.begin() + end, nullptr, false);
    if (e.is_object() && e.contains("type")) batch.push_back(std::move(e));
    else bad++;
    pos = end + 1;
  }
  if (!batch.empty()) {
    absl::Status s = containment_->OnEvents(batch);
    if (!s.ok()) {
      // Kept on the dataplane: read again after the next poll.
      std::lock_guard<std::mutex> lock(counters_mu_);
      counters_.store_failures++;
      std::fprintf(stderr, "spamwall-controld: %lu events not stored (read again): %s\n",
                   (unsigned long)batch.size(), std::string(s.message()).c_str());
      return false;
    }
  }
  {
    std::lock_guard<std::mutex> lock(counters_mu_);
    counters_.events += batch.size();
    counters_.missed += r.missed;
    counters_.bad_lines += bad;
  }
  if (r.missed)
    std::fprintf(stderr, "spamwall-controld: %lu events were dropped by the dataplane before they were read\n",
                 (unsigned long)r.missed);
  const bool moved = r.next != cursor_;
  cursor_ = r.next;
  if (moved || changed) SaveCursor();
  return r.count > 0;
}

void EventIngest::ReadZombies() {
  for (const char* by : {"attempts", "destinations"}) {
    api::ZombiesTopArgs args;
    args.by = by;
    args.n = api::ZombiesTopArgs::kMaxN;
    json reply;
    std::string error;
    if (!link_.Call(api::dp::kZombiesTop, args.ToJson(), &reply, &error) || !reply.value("ok", false)) return;
    containment_->OnZombieRows(reply["result"].value("subscribers", json::array()));
  }
}

void EventIngest::Loop() {
  double last_zombies = 0, last_prune = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    bool more = ReadOnce();
    const double now = SteadyNow();
    if (options_.zombies_every_s > 0 && now - last_zombies >= options_.zombies_every_s) {
      ReadZombies();
      last_zombies = now;
    }
    if (now - last_prune >= 3600) {
      containment_->Prune(UnixNow() - options_.retention_days * 86400);
      last_prune = now;
    }
    lock.lock();
    if (!more) cv_.wait_for(lock, std::chrono::duration<double>(options_.poll_s), [this] { return stop_; });
  }
}

}  // namespace spamwall::controld
