#include "dataplane/app/live_mode.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>

#include "dataplane/app/control_server.h"
#include "dataplane/app/eal_session.h"
#include "dataplane/app/lcore_plan.h"
#include "dataplane/app/dataplane_rcu.h"
#include "dataplane/app/generation_publisher.h"
#include "dataplane/app/ports.h"
#include "dataplane/app/run_files.h"
#include "dataplane/app/run_support.h"
#include "dataplane/app/sampler_lcores.h"
#include "dataplane/app/telemetry.h"
#include "dataplane/app/worker_lcores.h"
#include "ipc/sd_notify.h"

namespace spamwall {

namespace {

// Per (worker, sampler) ring, and the samplers' pool: a second of a
// sampler's stall at 1:1 sampling of a busy mail mix fills them, which is
// counted (ring_full), never waited on.
constexpr unsigned kSamplerRingSize = 4096;
constexpr unsigned kSamplerPoolMbufs = 32767;

std::atomic<bool> g_stop(false);

void OnSignal(int) { g_stop.store(true); }

bool HasVdevOrDevice(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a.rfind("--vdev", 0) == 0 || a == "-a" || a.rfind("--allow", 0) == 0 ||
        a.rfind("-a", 0) == 0)
      return true;
  return false;
}

}  // namespace

int RunLive(const Options& o, const char* program, BootPolicy boot) {
  std::string error;
  HwProfile profile;
  if (!LoadHwProfile(o.profile, &profile, &error)) return Fail(2, error);

  std::vector<std::string> args = {program};
  args.insert(args.end(), o.eal_args.begin(), o.eal_args.end());
  if (!HasVdevOrDevice(o.eal_args))
    for (const auto& v : profile.vdevs) args.push_back("--vdev=" + v);
  EalSession eal;
  if (!eal.Start(args, &error)) return Fail(1, error);

  std::vector<uint16_t> ids;
  uint16_t id;
  RTE_ETH_FOREACH_DEV(id) ids.push_back(id);
  int drop_port = -1;
  if (o.drop_capture) {
    if (ids.size() % 2 != 1)
      return Fail(2, "--drop-capture takes the last port for dropped frames: it needs an odd "
                     "number of ports (pairs plus one); found " + std::to_string(ids.size()));
    drop_port = ids.back();
    ids.pop_back();
  }
  if (ids.empty() || ids.size() % 2 != 0)
    return Fail(2, "live mode forwards between port pairs (0<->1, 2<->3, ...): found " +
                       std::to_string(ids.size()) + " ports");
  std::vector<uint16_t> all = ids;
  if (drop_port >= 0) all.push_back(static_cast<uint16_t>(drop_port));
  PacketPools pools;
  if (!CreatePacketPools(all, profile, &pools, &error)) return Fail(1, error);
  std::vector<std::string> roles;
  for (size_t i = 0; i < ids.size(); i++) roles.push_back(i % 2 ? "core" : "subscriber");
  if (drop_port >= 0) roles.push_back("drop-capture");
  RunInfo run;
  run.mode = "live";
  // From here every way out stops the parts in the reverse order of their
  // declaration: the control socket and telemetry, the workers, the
  // publisher (the last generation), the RCU, the ports (those started so
  // far), the pools, the EAL.
  PortsGuard ports(&run.ports);
  std::vector<PortGrant> grants;
  if (!StartPorts(all, roles, profile, pools, true, &run.ports, &grants, &error))
    return Fail(1, error);

  // The lcore plan: which lcore runs which worker, and its RCU reader id.
  LcorePlanInput want;
  for (size_t pair = 0; pair < ids.size(); pair += 2)
    want.pairs.push_back({ids[pair], ids[pair + 1],
                          std::min({grants[pair].rx_queues, grants[pair + 1].rx_queues,
                                    grants[pair].tx_queues, grants[pair + 1].tx_queues})});
  unsigned lc;
  RTE_LCORE_FOREACH_WORKER(lc) want.lcores.push_back(lc);
  // The SMTP sampler: --sampler-lcores, else one where an lcore is left
  // after one worker per port pair and queue.
  size_t worker_roles = 0;
  for (const auto& p : want.pairs) worker_roles += p.queues;
  want.samplers = o.sampler_lcores >= 0 ? static_cast<unsigned>(o.sampler_lcores)
                                        : (want.lcores.size() > worker_roles ? 1u : 0u);
  want.lcore_socket = [](unsigned l) { return static_cast<int>(rte_lcore_to_socket_id(l)); };
  want.port_socket = [](uint16_t p) { return PortSocket(p); };
  LcorePlan plan;
  if (!BuildLcorePlan(want, &plan, &error)) return Fail(2, error);
  std::fputs(plan.Describe().c_str(), stderr);
  if (drop_port >= 0 && grants.back().tx_queues < plan.workers)
    return Fail(2, "the drop-capture port has " + std::to_string(grants.back().tx_queues) +
                       " TX queues; each of the " + std::to_string(plan.workers) +
                       " workers needs its own");

  DataplaneRcu rcu;  // every reader of the plan: workers, then samplers
  if (!rcu.Init(plan.readers(), &error)) return Fail(1, error);
  // A YAML boot policy (and the safe state) is generation 0; a boot image
  // keeps its own; controld's pushes count on from there. On a machine of
  // several NUMA nodes each socket with workers reads its own copy of the
  // tables.
  GenerationPublisher::Setup setup{&rcu, {}};
  if (rte_socket_count() > 1) setup.replica_sockets = plan.Sockets();
  GenerationPublisher publisher;
  if (!publisher.Init(std::move(boot.policy), boot.generation, boot.id, std::move(setup), &error))
    return Fail(1, error);

  // Sampling: the rings and pool, the event log, the samplers. Declared
  // before the workers so that the workers stop first and each sampler
  // drains what they queued.
  SamplerRings rings;
  const int sampler_socket = plan.samplers ? plan.roles.back().socket : 0;
  if (!rings.Create(plan.workers, plan.samplers, sampler_socket, kSamplerRingSize,
                    kSamplerPoolMbufs, &error))
    return Fail(1, error);
  EventLog events;
  if (!o.events.empty() && !events.Open(o.events, &error)) return Fail(2, "--events " + error);
  if (!o.events.empty() && plan.samplers == 0)
    std::fprintf(stderr, "warning: --events with no sampler lcore: no events will be written\n");
  EventStream stream;  // what controld reads (events.read)
  SamplerConfig sampling;
  sampling.stream = plan.samplers ? &stream : nullptr;
  sampling.live = publisher.live();
  sampling.rcu = &rcu;
  sampling.events = o.events.empty() ? nullptr : &events;
  sampling.scan.max_message_bytes = o.scan_bytes;
  sampling.flows.is_mail_port = [live = publisher.live()](uint16_t port) {
    return live->load(std::memory_order_acquire)->policy->PortFlags(port) != 0;
  };
  SamplerLcores samplers(plan, rings, sampling);

  WorkerConfig common;
  common.burst = profile.burst;
  common.drop_port = drop_port;
  common.policy = publisher.live();
  common.rcu = &rcu;
  WorkerLcores lcores(plan, rings, common);
  const std::vector<const WorkerCounters*> workers = lcores.counters();
  const uint64_t hz = rte_get_tsc_hz();
  const uint64_t start = rte_get_tsc_cycles();
  run.tsc_hz = hz;
  // The run so far, with the policy that is live now (held while read).
  auto stats_now = [&]() {
    RunCounters counters = ReadCounters(&publisher, workers);
    return publisher.WithCurrent([&](const Generation& live) {
      RunInfo now = run;
      now.policy = live.policy.get();
      now.elapsed_s = static_cast<double>(rte_get_tsc_cycles() - start) / hz;
      nlohmann::json j = StatsJson(now, counters);
      j["uptime_s"] = now.elapsed_s;
      j["safe_state"] = !live.id.safe_state.empty();
      if (!live.id.safe_state.empty()) j["safe_state_reason"] = live.id.safe_state;
      j["sampling"]["samplers"] = samplers.CountersJson();
      if (events.open() || !o.events.empty())
        j["sampling"]["events"] = {{"written", events.lines_written()}, {"lost", events.lines_lost()}};
      if (plan.samplers) {
        const EventStream::Counters sc = stream.counters();
        j["sampling"]["stream"] = {{"appended", sc.appended}, {"dropped", sc.dropped},
                                   {"held", sc.held},         {"held_bytes", sc.held_bytes}};
      }
      return j;
    });
  };
  TelemetryScope telemetry(stats_now, &publisher);
  DataplaneControl control;
  if (!o.control_socket.empty()) {
    DataplaneControl::Context ctx{&publisher, stats_now, static_cast<unsigned>(lcores.size()), nullptr};
    if (samplers.size() > 0)
      ctx.zombies = [&samplers](const std::string& by, size_t n) -> std::optional<nlohmann::json> {
        sampler::ZombieMetric metric;
        if (!ZombieMetricFromName(by, &metric)) return std::nullopt;
        return samplers.TopZombies(metric, n);
      };
    if (samplers.size() > 0) ctx.events = &stream;
    if (!control.Start(o.control_socket, ctx, &error)) return Fail(1, "control socket: " + error);
    std::fprintf(stderr, "control socket %s (for spamwall-controld)\n", o.control_socket.c_str());
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  samplers.Launch();
  lcores.Launch();

  // systemd (Type=notify): ready once the workers poll; the watchdog is
  // pinged only while every worker's loop goes round, so a wedged worker
  // gets the dataplane restarted; STATUS= says what runs.
  auto status_line = [&] {
    GenerationCounters sum = publisher.LifetimeTotals(0).all;
    return publisher.WithCurrent([&](const Generation& l) {
      return "generation " + std::to_string(l.policy->generation) + ", " +
             std::to_string(sum.packets) + " packets" +
             (l.id.safe_state.empty() ? "" : ", SAFE STATE: " + l.id.safe_state);
    });
  };
  std::vector<uint64_t> last_polls(workers.size(), 0);
  sd::Heartbeat heartbeat;
  heartbeat.Start(
      [&] {
        bool all = true;
        for (size_t w = 0; w < workers.size(); w++) {
          const uint64_t now = LoadRelaxed(workers[w]->polls);
          all = all && now != last_polls[w];
          last_polls[w] = now;
        }
        return all;
      },
      status_line);
  sd::Ready(status_line());

  uint64_t last_report = start, last_packets = 0;
  while (!g_stop.load()) {
    usleep(50 * 1000);
    uint64_t now = rte_get_tsc_cycles();
    double elapsed = static_cast<double>(now - start) / hz;
    if (o.duration_s > 0 && elapsed >= o.duration_s) break;
    if (static_cast<double>(now - last_report) / hz >= o.stats_interval_s) {
      GenerationCounters sum = publisher.LifetimeTotals(0).all;
      double dt = static_cast<double>(now - last_report) / hz;
      uint64_t dropped = 0;
      for (int r = 1; r < SW_REASON_COUNT; r++) dropped += sum.dropped[r];
      auto [gen, safe] = publisher.WithCurrent([](const Generation& l) {
        return std::make_pair(l.policy->generation, !l.id.safe_state.empty());
      });
      std::printf("[%8.1fs] packets %lu (%.0f/s) passed %lu dropped %lu policy generation %lu%s\n",
                  elapsed, (unsigned long)sum.packets, (sum.packets - last_packets) / dt,
                  (unsigned long)sum.passed, (unsigned long)dropped, (unsigned long)gen,
                  safe ? " *** SAFE STATE: no usable policy, nothing dropped ***" : "");
      std::fflush(stdout);
      last_report = now;
      last_packets = sum.packets;
    }
  }
  sd::Stopping("stopping");
  heartbeat.Stop();
  control.Stop();  // no policy loads from here on
  telemetry.End();
  lcores.Stop();
  samplers.Stop();  // each drains what the workers queued, closes its flows
  run.elapsed_s = static_cast<double>(rte_get_tsc_cycles() - start) / hz;
  ports.Stop();
  const Generation* last = publisher.live()->load();
  run.policy = last->policy.get();
  const RunCounters counters = ReadCounters(&publisher, workers);
  std::string events_error;
  const bool events_ok = events.Close(&events_error);
  if (!o.stats_json.empty()) {
    nlohmann::json j = StatsJson(run, counters);
    AddGenerations(&publisher, &j);
    j["sampling"]["samplers"] = samplers.CountersJson();
    if (!o.events.empty())
      j["sampling"]["events"] = {{"written", events.lines_written()}, {"lost", events.lines_lost()}};
    if (!WriteStatsFile(o.stats_json, j.dump(2) + "\n", &error)) {
      std::printf("%s", HumanReport(run, counters).c_str());
      return Fail(1, "--stats-json " + error);
    }
  }
  std::printf("spamwall-dataplane live: stopped after %.1f s\n%s", run.elapsed_s,
              HumanReport(run, counters).c_str());
  if (!events_ok) return Fail(1, "--events " + events_error);
  return 0;
}

}  // namespace spamwall
