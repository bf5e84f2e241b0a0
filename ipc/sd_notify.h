// systemd's service protocol for the daemons (Type=notify): READY=1 once
// they serve, STATUS= lines for `systemctl status`, and watchdog pings that
// stop when the daemon's own liveness check fails, so systemd restarts it
// (WatchdogSec=). Through Debian's libsystemd; outside systemd (no
// NOTIFY_SOCKET) every call does nothing.
#ifndef SPAMWALL_IPC_SD_NOTIFY_H_
#define SPAMWALL_IPC_SD_NOTIFY_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace spamwall::sd {

// Sends `state` ("READY=1\nSTATUS=..."); false when not run by systemd.
bool Notify(const std::string& state);
inline bool Ready(const std::string& status) { return Notify("READY=1\nSTATUS=" + status); }
inline bool Status(const std::string& status) { return Notify("STATUS=" + status); }
inline bool Stopping(const std::string& status) { return Notify("STOPPING=1\nSTATUS=" + status); }

// The interval WatchdogSec= asks pings within, in seconds; 0 when none.
double WatchdogInterval();

// A thread that pings the watchdog at half its interval while alive() says
// the daemon works, and sends STATUS=status() when that text changes
// (checked every status_every_s). Without a watchdog it only reports status.
class Heartbeat {
 public:
  Heartbeat() = default;
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;
  ~Heartbeat() { Stop(); }

  void Start(std::function<bool()> alive, std::function<std::string()> status,
             double status_every_s = 5);
  void Stop();

 private:
  void Loop();

  std::function<bool()> alive_;
  std::function<std::string()> status_;
  double period_s_ = 5;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace spamwall::sd

#endif  // SPAMWALL_IPC_SD_NOTIFY_H_
