// A background thread that asks the dataplane for its stats once a second:
// packets/s needs two samples, /metrics answers from the last one without
// touching the dataplane, and a (re)connection found here triggers `on_connect`
// (controld re-pushes its live policy to a restarted dataplane).
#ifndef SPAMWALL_CONTROL_CONTROLD_STATS_SAMPLER_H_
#define SPAMWALL_CONTROL_CONTROLD_STATS_SAMPLER_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "control/controld/dataplane_link.h"

namespace spamwall::controld {

struct StatsSample {
  nlohmann::json stats;  // null when the dataplane was not reachable
  double packets_per_s = 0;
  bool up = false;
};

// packets/s between two stats objects, by their "time" (unix seconds) or,
// when absent, by the sampling times given.
double PacketRate(const nlohmann::json& older, double older_t, const nlohmann::json& newer,
                  double newer_t);

class StatsSampler {
 public:
  // on_sample(reconnected) runs after every sample: the controller
  // reconciles on a new connection, and while a load is in doubt.
  StatsSampler(DataplaneLink* link, std::function<void(bool)> on_connect, double interval_s = 1.0)
      : link_(link), on_connect_(std::move(on_connect)), interval_s_(interval_s) {}
  ~StatsSampler() { Stop(); }

  void Start();
  void Stop();
  StatsSample Last() const;

 private:
  void Loop();
  void SampleOnce();

  DataplaneLink* link_;
  std::function<void(bool)> on_connect_;
  const double interval_s_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  StatsSample last_;
  nlohmann::json prev_stats_;
  double prev_t_ = 0;
};

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_STATS_SAMPLER_H_
