// spamwall-controld: configuration, then the pieces in order (audit log,
// dataplane link, controller with the start policy, operator socket, stats
// sampler, Prometheus), READY=1 to systemd, then wait for SIGINT/SIGTERM and
// take them down in reverse. SIGHUP reopens the audit log (after logrotate's
// rename).
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include <cstdio>

#include "control/controld/audit_log.h"
#include "control/controld/config.h"
#include "control/controld/containment.h"
#include "control/controld/controller.h"
#include "control/controld/event_ingest.h"
#include "control/controld/dataplane_link.h"
#include "control/controld/metrics_server.h"
#include "control/controld/state_dir.h"
#include "control/controld/stats_sampler.h"
#include "control/events/event_store.h"
#include "ipc/sd_notify.h"
#include "ipc/server.h"

using namespace spamwall;
using namespace spamwall::controld;

namespace {

int Fail(const std::string& what) {
  fprintf(stderr, "spamwall-controld: %s\n", what.c_str());
  return 2;
}

// Descriptors per listener: half of RLIMIT_NOFILE for ctl.sock, an eighth
// for /metrics, the rest for files, the dataplane link and the image
// memfds, so neither listener can starve the other or a push.
void Budget(proto::UnixServer::Options* ctl, MetricsServer::Options* metrics) {
  rlimit nofile{};
  size_t n = 1024;
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY)
    n = static_cast<size_t>(nofile.rlim_cur);
  ctl->max_connections = std::clamp<size_t>(n / 2, 16, 4096);
  metrics->max_connections = std::clamp<size_t>(n / 8, 4, 256);
}

std::string StatusLine(const Controller& controller, const StatsSampler& sampler,
                       const proto::UnixServer& server) {
  StatsSample s = sampler.Last();
  char rate[32];
  snprintf(rate, sizeof rate, "%.0f", s.packets_per_s);
  return "generation " + std::to_string(controller.Counters().generation) + "; dataplane " +
         (s.up ? std::string("up, ") + rate + " packets/s" : std::string("unreachable")) + "; " +
         std::to_string(server.open_connections()) + " control connections";
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  int rc = ParseCommandLine(argc, argv, &cfg);
  if (rc >= 0) return rc;

  // Every thread inherits this mask; only sigwait below sees the signals.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  std::string error;
  // The state directory's lock, then the socket: a second controld stops
  // at one of them ("already running (pid N)") before it opens the audit
  // log or reconciles with the dataplane. Clients that connect meanwhile
  // wait in the backlog until it serves.
  UniqueFd state_lock;
  if (!LockStateDir(cfg.state_dir, &state_lock, &error)) return Fail(error);
  UniqueFd listening = proto::ListenUnix(cfg.socket, cfg.mode, cfg.socket_group, &error);
  if (!listening.valid()) return Fail(error);
  auto fail_unlinking = [&](const std::string& what) {
    unlink(cfg.socket.c_str());
    return Fail(what);
  };
  AuditLog audit;
  if (!audit.Open(cfg.audit_log, &error)) return fail_unlinking(error);

  DataplaneLink link(cfg.dataplane_socket);
  Controller controller(cfg, &link, &audit);
  // The event store: a database that cannot be opened is a warning, not a
  // dead control plane (policy, quarantine and exemptions go on; whois,
  // complaint and events answer why not).
  std::unique_ptr<events::EventStore> store;
  std::string why_no_store = "events: off in the configuration";
  if (cfg.events != "off") {
    absl::StatusOr<std::unique_ptr<events::EventStore>> opened = events::OpenEventStore(cfg.events, cfg.state_dir);
    if (opened.ok()) {
      store = std::move(*opened);
      fprintf(stderr, "spamwall-controld: event store %s\n", store->Describe().c_str());
    } else {
      why_no_store = std::string(opened.status().message());
      fprintf(stderr, "spamwall-controld: warning: %s (running without an event store)\n", why_no_store.c_str());
    }
  }
  Containment containment(
      std::move(store), why_no_store,
      {[&](const ThresholdCrossing& c) { return controller.QuarantineForThreshold(c); },
       [&](const std::string& addr) { return controller.Quarantined(addr); }});
  controller.set_containment(&containment);
  if (!controller.Init(&error)) return fail_unlinking(error);
  // The sampler is known to the controller before the first request can
  // ask for stats (it starts sampling once the socket serves).
  StatsSampler sampler(&link, [&](bool reconnected) {
    controller.AfterSample(reconnected);
    controller.ExpireOnTime();
  });
  controller.set_sampler(&sampler);
  proto::UnixServer::Options ctl_options;
  MetricsServer::Options metrics_options;
  Budget(&ctl_options, &metrics_options);
  proto::UnixServer server;
  if (!server.Start(
          std::move(listening), ctl_options,
          [&](const proto::Peer& p, std::string* why) { return controller.CheckPeer(p, why); },
          [&](proto::Request& r) { return controller.Handle(r); }, &error)) {
    unlink(cfg.socket.c_str());
    return Fail(error);
  }

  sampler.Start();
  EventIngest::Options ingest_options;
  ingest_options.retention_days = cfg.retention_days;
  ingest_options.cursor_path = cfg.state_dir + "/events.cursor";
  EventIngest ingest(cfg.dataplane_socket, &containment, ingest_options);
  if (containment.store()) ingest.Start();

  MetricsServer metrics;
  if (cfg.prometheus_port != 0 &&
      !metrics.Start(cfg.prometheus_host, cfg.prometheus_port,
                     [&] {
                       StatsSample s = sampler.Last();
                       return RenderMetrics(s.stats, s.packets_per_s, controller.Counters()) +
                              RenderEventMetrics(ingest.Counters(), containment.Counters());
                     },
                     metrics_options, &error)) {
    sampler.Stop();
    server.Stop();
    unlink(cfg.socket.c_str());
    return Fail(error);
  }
  fprintf(stderr, "spamwall-controld: listening on %s (mode %s%s), dataplane %s%s\n",
          cfg.socket.c_str(), cfg.socket_mode.c_str(),
          cfg.socket_group.empty() ? "" : (", group " + cfg.socket_group).c_str(),
          cfg.dataplane_socket.c_str(),
          cfg.prometheus.empty() ? "" : (", metrics http://" + cfg.prometheus + "/metrics").c_str());

  // Serving now: systemd may start what waits for controld. The watchdog
  // is pinged while both listeners' loops turn and the controller answers
  // (StatusLine takes its counters).
  sd::Ready(StatusLine(controller, sampler, server));
  sd::Heartbeat heartbeat;
  heartbeat.Start([&] { return server.Alive(5) && metrics.Alive(5); },
                  [&] { return StatusLine(controller, sampler, server); });

  int sig = 0;
  for (;;) {
    sigwait(&stop, &sig);
    if (sig != SIGHUP) break;
    if (audit.Reopen(&error))
      fprintf(stderr, "spamwall-controld: SIGHUP: reopened the audit log %s\n", cfg.audit_log.c_str());
    else
      fprintf(stderr, "spamwall-controld: SIGHUP: %s (still writing the old one)\n", error.c_str());
  }
  fprintf(stderr, "spamwall-controld: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  sd::Stopping(sig == SIGINT ? "SIGINT, stopping" : "SIGTERM, stopping");
  heartbeat.Stop();
  metrics.Stop();
  ingest.Stop();
  sampler.Stop();
  server.Stop();
  unlink(cfg.socket.c_str());
  return 0;
}
