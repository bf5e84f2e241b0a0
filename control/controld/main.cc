// spamwall-controld: configuration, then the pieces in order (audit log,
// dataplane link, controller with the start policy, operator socket, stats
// sampler, Prometheus), then wait for SIGINT/SIGTERM and take them down in
// reverse. SIGHUP reopens the audit log (after logrotate's rename).
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "control/controld/audit_log.h"
#include "control/controld/config.h"
#include "control/controld/controller.h"
#include "control/controld/dataplane_link.h"
#include "control/controld/metrics_server.h"
#include "control/controld/state_dir.h"
#include "control/controld/stats_sampler.h"
#include "ipc/server.h"

using namespace spamwall;
using namespace spamwall::controld;

namespace {

int Fail(const std::string& what) {
  fprintf(stderr, "spamwall-controld: %s\n", what.c_str());
  return 2;
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

  // Before anything else: a second controld stops here, before it touches
  // the state or the live socket.
  std::string error;
  UniqueFd state_lock;
  if (!LockStateDir(cfg.state_dir, &state_lock, &error)) return Fail(error);
  AuditLog audit;
  if (!audit.Open(cfg.audit_log, &error)) return Fail(error);

  DataplaneLink link(cfg.dataplane_socket);
  Controller controller(cfg, &link, &audit);
  if (!controller.Init(&error)) return Fail(error);

  UniqueFd listening = proto::ListenUnix(cfg.socket, cfg.mode, cfg.socket_group, &error);
  if (!listening.valid()) return Fail(error);
  proto::UnixServer server;
  if (!server.Start(
          std::move(listening), proto::UnixServer::Options{},
          [&](const proto::Peer& p, std::string* why) { return controller.CheckPeer(p, why); },
          [&](proto::Request& r) { return controller.Handle(r); }, &error)) {
    unlink(cfg.socket.c_str());
    return Fail(error);
  }

  StatsSampler sampler(&link, [&](bool reconnected) { controller.AfterSample(reconnected); });
  controller.set_sampler(&sampler);
  sampler.Start();

  MetricsServer metrics;
  if (cfg.prometheus_port != 0 &&
      !metrics.Start(cfg.prometheus_host, cfg.prometheus_port,
                     [&] {
                       StatsSample s = sampler.Last();
                       return RenderMetrics(s.stats, s.packets_per_s, controller.Counters());
                     },
                     &error)) {
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
  metrics.Stop();
  sampler.Stop();
  server.Stop();
  unlink(cfg.socket.c_str());
  return 0;
}
