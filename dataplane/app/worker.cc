#include "dataplane/app/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstring>

#include "dataplane/core/flow_hash.h"
#include "dataplane/core/verdict.h"
#include "dataplane/sampler/zombie_table.h"

namespace spamwall {

namespace {

// Headers the parser may need; a frame whose first segment holds less is
// copied into a stack buffer (multi-segment jumbo frames only).
constexpr uint32_t kHeaderBytes = 256;
constexpr int kTxRetries = 8;

// Times the stages of one poll when it is a timed one (kStageTimedEvery):
// each Lap charges the cycles since the previous one to a stage, straight
// into the worker's counters; an untimed poll costs one branch a lap.
class StageClock {
 public:
  StageClock(bool on, WorkerCounters* c) : c_(on ? c : nullptr), last_(on ? rte_rdtsc() : 0) {}
  void Lap(WorkerStage stage, uint32_t packets) {
    if (c_ == nullptr) return;
    const uint64_t now = rte_rdtsc();
    StageCounters& s = c_->stage[stage];
    AddRelaxed(s.calls, 1);
    AddRelaxed(s.packets, packets);
    AddRelaxed(s.cycles, now - last_);
    last_ = now;
  }

 private:
  WorkerCounters* c_;  // null: this poll is not timed
  uint64_t last_;
};

// Sends all of pkts or counts and frees what the port refuses.
uint16_t TransmitAll(uint16_t port, uint16_t queue, rte_mbuf** pkts, uint16_t n,
                     PortCounters* pc) {
  uint16_t sent = 0;
  for (int tries = 0; sent < n && tries < kTxRetries; tries++)
    sent += rte_eth_tx_burst(port, queue, pkts + sent, n - sent);
  AddRelaxed(pc->tx, sent);
  if (sent < n) {
    AddRelaxed(pc->tx_failed, n - sent);
    rte_pktmbuf_free_bulk(pkts + sent, n - sent);
  }
  return sent;
}

// Copies the passed mail frames of sampled flows (sampling.watch, or 1 in
// smtp_flow_rate by the flow's symmetric hash) to their samplers, before
// they are sent (after TX the driver owns them). A copy, not a reference:
// a second reference is incompatible with the MBUF_FAST_FREE offload a
// profile may grant, and its cost is small (bench/sample_handoff_benchmark:
// some 31 ns more than a reference for a 1514-byte frame; bench/README.md).
void SampleMail(const SampleTap& tap, const CompiledPolicy& policy, const sw_parsed* parsed,
                const Verdict* verdicts, rte_mbuf* const* pkts, const uint16_t* mail, uint16_t nm,
                WorkerCounters* c) {
  rte_mbuf* out[kMaxSamplers][kMaxBurst];
  uint16_t count[kMaxSamplers] = {};
  uint64_t sampled = 0, no_mbuf = 0, full = 0;
  for (uint16_t k = 0; k < nm; k++) {
    const uint16_t i = mail[k];
    const uint64_t h = SymmetricFlowHash(parsed[i]);
    if (!verdicts[i].watch && !SampleFlow(h, policy.smtp_flow_rate)) continue;
    rte_mbuf* copy = rte_pktmbuf_copy(pkts[i], tap.pool, 0, UINT32_MAX);
    if (copy == nullptr) {
      no_mbuf++;
      continue;
    }
    const unsigned s = SamplerOf(h, tap.samplers);
    out[s][count[s]++] = copy;
  }
  for (unsigned s = 0; s < tap.samplers; s++) {
    if (count[s] == 0) continue;
    const unsigned taken = rte_ring_sp_enqueue_burst(tap.rings[s], reinterpret_cast<void**>(out[s]),
                                                     count[s], nullptr);
    sampled += taken;
    if (taken < count[s]) {
      full += count[s] - taken;
      rte_pktmbuf_free_bulk(out[s] + taken, count[s] - taken);
    }
  }
  if (sampled) AddRelaxed(c->sampled, sampled);
  if (full) AddRelaxed(c->sample_ring_full, full);
  if (no_mbuf) AddRelaxed(c->sample_no_mbuf, no_mbuf);
}

// Records the connection attempts among the dropped frames (a SYN without
// ACK, dropped by a rule that blocks a subscriber's mail) for the zombie
// table of the sampler that counts that subscriber.
void RecordAttempts(const SampleTap& tap, const uint8_t* const* frames, const uint32_t* readable,
                    const sw_parsed* parsed, const Verdict* verdicts, const uint16_t* dropped_idx,
                    uint16_t nd, WorkerCounters* c) {
  sampler::BlockedAttempt out[kMaxSamplers][kMaxBurst];
  uint16_t count[kMaxSamplers] = {};
  for (uint16_t k = 0; k < nd; k++) {
    const uint16_t i = dropped_idx[k];
    const sw_parsed& p = parsed[i];
    const uint8_t reason = verdicts[i].reason;
    if (reason == SW_REASON_MALFORMED || !p.has_ports || p.l4_offset + 14u > readable[i]) continue;
    const uint8_t flags = frames[i][p.l4_offset + 13];
    if ((flags & 0x12) != 0x02) continue;  // SYN, not SYN-ACK
    const unsigned s = SamplerOf(flow_hash_detail::Endpoint(p.src, 16, 0), tap.samplers);
    sampler::BlockedAttempt& a = out[s][count[s]++];
    a.l3 = p.l3;
    a.reason = reason;
    a.dport = p.dport;
    std::memcpy(a.src, p.src, 16);
    std::memcpy(a.dst, p.dst, 16);
  }
  uint64_t recorded = 0, full = 0;
  for (unsigned s = 0; s < tap.samplers; s++) {
    if (count[s] == 0) continue;
    const unsigned taken = rte_ring_sp_enqueue_burst_elem(tap.attempts[s], out[s], sizeof(out[s][0]),
                                                          count[s], nullptr);
    recorded += taken;
    full += count[s] - taken;
  }
  if (recorded) AddRelaxed(c->attempts_recorded, recorded);
  if (full) AddRelaxed(c->attempts_ring_full, full);
}

// Judges a burst, counts its verdicts into g (this worker's slot of the
// generation that judged it) and the rest into c, sends or drops each frame.
// Counts are gathered on the stack and stored once per burst: one relaxed
// store per counter that moved (worker_counters.h).
void ProcessBurst(const WorkerConfig& cfg, const CompiledPolicy& policy, GenerationCounters* g,
                  uint16_t in_port, uint16_t out_port, rte_mbuf** pkts, uint16_t n,
                  WorkerCounters* c, StageClock* clock) {
  const uint8_t* frames[kMaxBurst];
  uint32_t readable[kMaxBurst], lengths[kMaxBurst];
  alignas(64) uint8_t linear[kMaxBurst][kHeaderBytes];
  for (uint16_t i = 0; i < n; i++) {
    rte_mbuf* m = pkts[i];
    lengths[i] = rte_pktmbuf_pkt_len(m);
    uint32_t want = std::min(lengths[i], kHeaderBytes);
    if (likely(rte_pktmbuf_data_len(m) >= want)) {
      frames[i] = rte_pktmbuf_mtod(m, const uint8_t*);
      readable[i] = rte_pktmbuf_data_len(m);
    } else {
      frames[i] = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, want, linear[i]));
      readable[i] = want;
    }
  }

  sw_parsed parsed[kMaxBurst];
  Verdict verdicts[kMaxBurst];
  ParseBurst(frames, readable, lengths, n, parsed);
  clock->Lap(kStageParse, n);
  JudgeBurst(policy, parsed, n, verdicts);
  clock->Lap(kStageClassify, n);

  rte_mbuf* pass[kMaxBurst];
  rte_mbuf* drop[kMaxBurst];
  uint16_t mail[kMaxBurst];     // passed mail frames: sampling candidates
  uint16_t blocked[kMaxBurst];  // dropped frames: attempts, if SYNs
  uint16_t np = 0, nd = 0, nm = 0;
  uint16_t dropped[SW_REASON_COUNT] = {}, would_drop[SW_REASON_COUNT] = {};
  uint16_t malformed[SW_MALFORMED_COUNT] = {};
  for (uint16_t i = 0; i < n; i++) {
    const Verdict v = verdicts[i];
    malformed[parsed[i].malformed]++;
    if (v.drop) {
      dropped[v.reason]++;
      blocked[nd] = i;
      drop[nd++] = pkts[i];
    } else {
      would_drop[v.reason]++;  // reason 0 ("none") for ordinary passes
      pass[np++] = pkts[i];
      mail[nm] = i;
      nm += v.mail;
    }
  }
  if (cfg.tap.samplers) {
    if (nm) SampleMail(cfg.tap, policy, parsed, verdicts, pkts, mail, nm, c);
    if (nd) RecordAttempts(cfg.tap, frames, readable, parsed, verdicts, blocked, nd, c);
  }
  AddRelaxed(g->packets, n);
  AddRelaxed(g->passed, np);
  for (int r = 0; r < SW_REASON_COUNT; r++) {
    if (dropped[r]) AddRelaxed(g->dropped[r], dropped[r]);
    if (would_drop[r]) AddRelaxed(g->would_drop[r], would_drop[r]);
  }
  for (int m = 0; m < SW_MALFORMED_COUNT; m++)
    if (malformed[m]) AddRelaxed(c->malformed[m], malformed[m]);
  AddRelaxed(c->port[in_port].rx, n);
  if (nd) AddRelaxed(c->port[in_port].dropped, nd);
  clock->Lap(kStageAct, n);
  if (np) TransmitAll(out_port, cfg.queue, pass, np, &c->port[out_port]);
  if (nd) {
    if (cfg.drop_port >= 0) {
      PortCounters* dc = &c->port[cfg.drop_port];
      AddRelaxed(c->drop_captured,
                 TransmitAll(static_cast<uint16_t>(cfg.drop_port), cfg.drop_queue, drop, nd, dc));
    } else {
      rte_pktmbuf_free_bulk(drop, nd);
    }
  }
  clock->Lap(kStageTx, n);
}

uint16_t PollPort(const WorkerConfig& cfg, Generation* live, uint16_t in_port, uint16_t out_port,
                  WorkerCounters* c, StageClock* clock) {
  rte_mbuf* pkts[kMaxBurst];
  uint16_t n = rte_eth_rx_burst(in_port, cfg.queue, pkts, std::min(cfg.burst, kMaxBurst));
  if (n == 0) {
    clock->Lap(kStageRx, 0);
    return 0;
  }
  for (uint16_t i = 0; i < n && i < 8; i++) rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
  AddRelaxed(c->bursts, 1);
  clock->Lap(kStageRx, n);
  ProcessBurst(cfg, live->PolicyFor(cfg.socket), &live->workers[cfg.index], in_port, out_port, pkts,
               n, c, clock);
  return n;
}

}  // namespace

uint32_t PollOnce(const WorkerConfig& cfg, WorkerCounters* c) {
  // The worker is its counters' only writer: a plain read of its own count.
  StageClock clock(c->polls % kStageTimedEvery == 0, c);
  // One load per poll: a policy swapped in between polls applies from the
  // next; the one loaded here is not touched after the quiescent report.
  Generation* live = cfg.policy->load(std::memory_order_acquire);
  uint32_t n = PollPort(cfg, live, cfg.port_a, cfg.port_b, c, &clock);
  n += PollPort(cfg, live, cfg.port_b, cfg.port_a, c, &clock);
  if (cfg.rcu) cfg.rcu->Quiescent(cfg.reader_id);
  return n;
}

void RunWorker(const WorkerConfig& cfg, WorkerCounters* c) {
  DataplaneRcu::Reader reader(cfg.rcu, cfg.reader_id);
  while (!cfg.stop->load(std::memory_order_relaxed)) {
    PollOnce(cfg, c);
    AddRelaxed(c->polls, 1);
  }
}

}  // namespace spamwall
