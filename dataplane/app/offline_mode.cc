#include "dataplane/app/offline_mode.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include <atomic>
#include <cstdio>

#include "dataplane/app/eal_session.h"
#include "dataplane/app/generation_publisher.h"
#include "dataplane/app/pcap_input.h"
#include "dataplane/app/ports.h"
#include "dataplane/app/run_files.h"
#include "dataplane/app/run_support.h"
#include "dataplane/app/sampler.h"
#include "dataplane/app/sampler_rings.h"
#include "dataplane/app/worker.h"

namespace spamwall {

namespace {

// net_pcap's rx is read synchronously from the file: once every frame has
// been counted we are done; a stall this long means frames went missing.
constexpr double kStallSeconds = 2.0;

}  // namespace

int RunOffline(const Options& o, const char* program, BootPolicy boot) {
  if (!boot.policy) return Fail(2, "no policy to run with (refused above)");
  std::unique_ptr<CompiledPolicy> policy = std::move(boot.policy);

  std::string error;
  PcapInfo in;
  if (!InspectPcap(o.pcap_in, &in, &error)) return Fail(2, error);
  for (const std::string* path : {&o.pcap_in, &o.pcap_out, &o.pcap_drop})
    if (!path->empty() && !CheckDevargsSafe(*path, &error)) return Fail(2, error);
  if (!CheckDistinctFiles({{"--pcap-in", o.pcap_in}, {"--policy", o.policy},
                           {"--policy-image", o.policy_image}, {"--profile", o.profile}},
                          {{"--pcap-out", o.pcap_out}, {"--pcap-drop", o.pcap_drop},
                           {"--stats-json", o.stats_json}, {"--events", o.events}},
                          &error))
    return Fail(2, error);
  for (const std::string* path : {&o.pcap_out, &o.pcap_drop})
    if (!path->empty() && !CheckWritable(*path, &error)) return Fail(2, error);

  std::vector<std::string> args = PrivateEalArgs(program, o.verbose);
  args.push_back("--vdev=net_pcap0,rx_pcap=" + o.pcap_in + ",tx_pcap=/dev/null");
  args.push_back("--vdev=net_pcap1,tx_pcap=" + o.pcap_out);
  if (!o.pcap_drop.empty()) args.push_back("--vdev=net_pcap2,tx_pcap=" + o.pcap_drop);
  EalSession eal;
  if (!eal.Start(args, &error)) return Fail(1, error);

  std::vector<uint16_t> ids;
  for (const char* name : {"net_pcap0", "net_pcap1", "net_pcap2"}) {
    uint16_t id;
    if (rte_eth_dev_get_port_by_name(name, &id) == 0) ids.push_back(id);
  }
  if (ids.size() != (o.pcap_drop.empty() ? 2u : 3u)) return Fail(1, "net_pcap ports did not come up");

  HwProfile profile;  // one queue, defaults suited to net_pcap
  profile.name = "offline-pcap";
  profile.driver = "net_pcap";
  profile.is_virtual = true;
  profile.mempool_mbufs = 4095;
  profile.rx_offloads = {"timestamp"};  // the capture's times, for the events (packet_clock)
  PacketPools pools;
  if (!CreatePacketPools(ids, profile, &pools, &error)) return Fail(1, error);
  RunInfo run;
  run.mode = "offline";
  run.policy = policy.get();
  GenerationPublisher publisher;  // one policy for the whole run: no swaps, no QSBR
  if (!publisher.Init(std::move(policy), boot.generation, boot.id, {}, &error))
    return Fail(1, error);
  PortsGuard ports(&run.ports);  // those started, on every way out
  std::vector<PortGrant> grants;
  if (!StartPorts(ids, {"subscriber", "core", "drop-capture"}, profile, pools, o.verbose, &run.ports,
                  &grants, &error))
    return Fail(1, error);

  // One sampler, polled in the same loop after the worker: the live mode's
  // code on one thread.
  SamplerRings rings;
  if (!rings.Create(1, 1, 0, 4096, 8191, &error)) return Fail(1, error);
  EventLog events;
  if (!o.events.empty() && !events.Open(o.events, &error)) return Fail(2, "--events " + error);
  SamplerConfig sampling;
  sampling.rings = rings.RingsOf(0);
  sampling.attempt_rings = rings.AttemptRingsOf(0);
  sampling.live = publisher.live();
  sampling.events = o.events.empty() ? nullptr : &events;
  sampling.scan.max_message_bytes = o.scan_bytes;
  sampling.packet_clock = true;
  sampling.flows.is_mail_port = [live = publisher.live()](uint16_t port) {
    return live->load()->policy->PortFlags(port) != 0;
  };
  Sampler sampler(sampling);

  std::atomic<bool> stop(false);
  WorkerConfig cfg;
  cfg.tap = rings.TapFor(0);
  cfg.port_a = ids[0];
  cfg.port_b = ids[1];
  cfg.drop_port = o.pcap_drop.empty() ? -1 : ids[2];
  cfg.policy = publisher.live();
  cfg.stop = &stop;
  WorkerCounters counters;

  const uint64_t hz = rte_get_tsc_hz();
  const uint64_t start = rte_get_tsc_cycles();
  uint64_t last_progress = start;
  uint64_t received = 0;
  while (received < in.packets) {
    if (uint32_t n = PollOnce(cfg, &counters); n > 0) {
      received += n;
      last_progress = rte_get_tsc_cycles();
    } else if (rte_get_tsc_cycles() - last_progress > kStallSeconds * hz) {
      break;
    }
    sampler.PollOnce(UnixNow());
  }
  sampler.Finish(UnixNow());
  std::string events_error;
  const bool events_ok = events.Close(&events_error);
  run.elapsed_s = static_cast<double>(rte_get_tsc_cycles() - start) / hz;
  run.tsc_hz = hz;
  ports.Stop();

  // The verdicts of the run are its one generation's (worker slot 0).
  const RunCounters c = ReadCounters(&publisher, {&counters});
  // What the ports sent must be in the files: libpcap's dumper reports no
  // short write (a full disk), so each output is read back.
  std::vector<std::string> warnings;
  if (!VerifyPcapOutput("--pcap-out", o.pcap_out, LoadRelaxed(counters.port[ids[1]].tx), &warnings,
                        &error) ||
      (!o.pcap_drop.empty() &&
       !VerifyPcapOutput("--pcap-drop", o.pcap_drop, LoadRelaxed(counters.drop_captured), &warnings,
                         &error)))
    return Fail(1, error);
  if (!events_ok) return Fail(1, "--events " + events_error);
  nlohmann::json stats = StatsJson(run, c);
  stats["sampling"]["samplers"] = nlohmann::json::array({sampler.CountersJson()});
  // Who tried most: the subscribers whose blocked attempts the run counted.
  stats["zombies"] = ZombieRowsJson(*sampler.TopZombies(sampler::ZombieMetric::kAttempts, 10, 0, true));
  if (!o.events.empty())
    stats["sampling"]["events"] = {{"written", events.lines_written()}, {"lost", events.lines_lost()}};
  if (!o.stats_json.empty() && !WriteStatsFile(o.stats_json, stats.dump(2) + "\n", &error))
    return Fail(1, "--stats-json " + error);
  std::printf("spamwall-dataplane offline: %s -> %s%s%s\n", o.pcap_in.c_str(), o.pcap_out.c_str(),
              o.pcap_drop.empty() ? "" : ", drops -> ", o.pcap_drop.c_str());
  std::printf("%s", HumanReport(run, c).c_str());
  for (const std::string& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  if (c.verdicts.packets != in.packets)
    return Fail(1, "only " + std::to_string(c.verdicts.packets) + " of the " +
                       std::to_string(in.packets) + " frames in " + o.pcap_in +
                       " were received (frames larger than the mbuf? see -v)");
  if (c.verdicts.passed + TotalDropped(c.verdicts) != c.verdicts.packets)
    return Fail(1, "accounting error: passed + dropped != packets");
  return 0;
}

}  // namespace spamwall
