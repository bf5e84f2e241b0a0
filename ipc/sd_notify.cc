#include "ipc/sd_notify.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace spamwall::sd {

bool Notify(const std::string& state) { return sd_notify(0, state.c_str()) > 0; }

double WatchdogInterval() {
  uint64_t usec = 0;
  return sd_watchdog_enabled(0, &usec) > 0 ? static_cast<double>(usec) / 1e6 : 0;
}

void Heartbeat::Start(std::function<bool()> alive, std::function<std::string()> status,
                      double status_every_s) {
  alive_ = std::move(alive);
  status_ = std::move(status);
  const double watchdog = WatchdogInterval();
  period_s_ = watchdog > 0 ? std::min(watchdog / 2, status_every_s) : status_every_s;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Heartbeat::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Heartbeat::Loop() {
  const bool watchdog = WatchdogInterval() > 0;
  std::string last;
  bool failing = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    if (alive_()) {
      if (watchdog) Notify("WATCHDOG=1");
      failing = false;
    } else if (!failing) {
      // No ping: systemd restarts the daemon after WatchdogSec=.
      fprintf(stderr, "liveness check failed; watchdog pings stop\n");
      failing = true;
    }
    std::string now = status_();
    if (now != last) Status(now);
    last = std::move(now);
    lock.lock();
    cv_.wait_for(lock, std::chrono::duration<double>(period_s_), [this] { return stop_; });
  }
}

}  // namespace spamwall::sd
