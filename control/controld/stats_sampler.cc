#include "control/controld/stats_sampler.h"

#include "ipc/api/dataplane_api.h"

namespace spamwall::controld {

namespace {
double Now() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

double PacketRate(const nlohmann::json& older, double older_t, const nlohmann::json& newer,
                  double newer_t) {
  if (!older.is_object() || !newer.is_object()) return 0;
  double t0 = older_t, t1 = newer_t;
  if (older.contains("time") && newer.contains("time") && older["time"].is_number() &&
      newer["time"].is_number()) {
    t0 = older["time"].get<double>();
    t1 = newer["time"].get<double>();
  }
  double p0 = older.value("packets", 0.0), p1 = newer.value("packets", 0.0);
  // A restarted dataplane counts from zero again: no rate across it.
  if (t1 <= t0 || p1 < p0) return 0;
  return (p1 - p0) / (t1 - t0);
}

void StatsSampler::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void StatsSampler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

StatsSample StatsSampler::Last() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_;
}

void StatsSampler::SampleOnce() {
  nlohmann::json reply;
  std::string error;
  bool answered = link_->Call(api::dp::kStats, nlohmann::json::object(), &reply, &error);
  const bool reconnected = link_->TakeReconnected();
  if (on_connect_) on_connect_(reconnected);
  double t = Now();
  std::lock_guard<std::mutex> lock(mu_);
  if (!answered || !reply.value("ok", false)) {
    last_ = StatsSample{};
    prev_stats_ = nullptr;
    return;
  }
  nlohmann::json stats = reply["result"];
  last_.up = true;
  last_.packets_per_s = prev_stats_.is_object() ? PacketRate(prev_stats_, prev_t_, stats, t) : 0;
  last_.stats = stats;
  prev_stats_ = std::move(stats);
  prev_t_ = t;
}

void StatsSampler::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    SampleOnce();
    lock.lock();
    cv_.wait_for(lock, std::chrono::duration<double>(interval_s_), [this] { return stop_; });
  }
}

}  // namespace spamwall::controld
