#include "dataplane/app/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include <algorithm>

#include "dataplane/core/verdict.h"

namespace spamwall {

namespace {

// Headers the parser may need; a frame whose first segment holds less is
// copied into a stack buffer (multi-segment jumbo frames only).
constexpr uint32_t kHeaderBytes = 256;
constexpr int kTxRetries = 8;

// Sends all of pkts or counts and frees what the port refuses.
uint16_t TransmitAll(uint16_t port, uint16_t queue, rte_mbuf** pkts, uint16_t n,
                     PortCounters* pc) {
  uint16_t sent = 0;
  for (int tries = 0; sent < n && tries < kTxRetries; tries++)
    sent += rte_eth_tx_burst(port, queue, pkts + sent, n - sent);
  pc->tx += sent;
  if (sent < n) {
    pc->tx_failed += n - sent;
    rte_pktmbuf_free_bulk(pkts + sent, n - sent);
  }
  return sent;
}

void ProcessBurst(const WorkerConfig& cfg, const CompiledPolicy& policy, GenerationCounters* g,
                  uint16_t in_port, uint16_t out_port, rte_mbuf** pkts, uint16_t n,
                  WorkerCounters* c) {
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

  uint64_t t0 = rte_rdtsc();
  sw_parsed parsed[kMaxBurst];
  Verdict verdicts[kMaxBurst];
  ClassifyBurst(policy, frames, readable, lengths, n, parsed, verdicts);
  c->classify_cycles += rte_rdtsc() - t0;

  rte_mbuf* pass[kMaxBurst];
  rte_mbuf* drop[kMaxBurst];
  uint16_t np = 0, nd = 0;
  for (uint16_t i = 0; i < n; i++) {
    const Verdict v = verdicts[i];
    c->malformed[parsed[i].malformed]++;
    if (v.drop) {
      c->dropped[v.reason]++;
      g->dropped[v.reason]++;
      drop[nd++] = pkts[i];
    } else {
      c->would_drop[v.reason]++;  // reason 0 ("none") for ordinary passes
      g->would_drop[v.reason]++;
      pass[np++] = pkts[i];
    }
  }
  c->packets += n;
  c->passed += np;
  g->packets += n;
  g->passed += np;
  c->port[in_port].rx += n;
  c->port[in_port].dropped += nd;
  if (np) TransmitAll(out_port, cfg.queue, pass, np, &c->port[out_port]);
  if (nd) {
    if (cfg.drop_port >= 0) {
      PortCounters* dc = &c->port[cfg.drop_port];
      c->drop_captured +=
          TransmitAll(static_cast<uint16_t>(cfg.drop_port), cfg.drop_queue, drop, nd, dc);
    } else {
      rte_pktmbuf_free_bulk(drop, nd);
    }
  }
}

uint16_t PollPort(const WorkerConfig& cfg, LivePolicy* live, uint16_t in_port, uint16_t out_port,
                  WorkerCounters* c) {
  rte_mbuf* pkts[kMaxBurst];
  uint16_t n = rte_eth_rx_burst(in_port, cfg.queue, pkts, std::min(cfg.burst, kMaxBurst));
  if (n == 0) return 0;
  for (uint16_t i = 0; i < n && i < 8; i++) rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
  c->bursts++;
  ProcessBurst(cfg, *live->policy, &live->workers[cfg.index], in_port, out_port, pkts, n, c);
  return n;
}

}  // namespace

uint32_t PollOnce(const WorkerConfig& cfg, WorkerCounters* c) {
  uint64_t t0 = rte_rdtsc();
  uint64_t classify_before = c->classify_cycles;
  // One load per poll: a policy swapped in between polls applies from the
  // next; the one loaded here is not touched after the quiescent report.
  LivePolicy* live = cfg.policy->load(std::memory_order_acquire);
  uint32_t n = PollPort(cfg, live, cfg.port_a, cfg.port_b, c);
  n += PollPort(cfg, live, cfg.port_b, cfg.port_a, c);
  if (cfg.qsbr) rte_rcu_qsbr_quiescent(cfg.qsbr, cfg.index);
  if (n) c->io_cycles += (rte_rdtsc() - t0) - (c->classify_cycles - classify_before);
  return n;
}

void RunWorker(const WorkerConfig& cfg, WorkerCounters* c) {
  if (cfg.qsbr) {
    rte_rcu_qsbr_thread_register(cfg.qsbr, cfg.index);
    rte_rcu_qsbr_thread_online(cfg.qsbr, cfg.index);
  }
  while (!cfg.stop->load(std::memory_order_relaxed)) PollOnce(cfg, c);
  if (cfg.qsbr) {
    rte_rcu_qsbr_thread_offline(cfg.qsbr, cfg.index);
    rte_rcu_qsbr_thread_unregister(cfg.qsbr, cfg.index);
  }
}

}  // namespace spamwall
