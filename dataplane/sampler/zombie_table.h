// What each subscriber tries that the policy blocks: per subscriber address,
// the connection attempts (SYNs) dropped by each reason and an estimate of
// how many distinct destinations they went to. The essay's zombie signal: a
// consumer line that opens port 25 to hundreds of mail servers an hour.
//
// Fixed memory, taken at construction (72 bytes an entry; 1,000,000 entries
// by default, so every subscriber of a large aggregation point fits): open
// addressing over a power-of-two array, a bounded probe, and where every
// probed slot is taken the one with the fewest attempts is evicted
// (counted). Distinct destinations: a HyperLogLog of 64 four-bit registers
// (about 13% standard error, exact enough to rank and to threshold).
// One writer (the sampler lcore); readers get copies (Top).
#ifndef SPAMWALL_DATAPLANE_SAMPLER_ZOMBIE_TABLE_H_
#define SPAMWALL_DATAPLANE_SAMPLER_ZOMBIE_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace spamwall::sampler {

// One blocked attempt as a worker hands it over: a SYN the policy dropped.
// No member initializers on purpose: the worker keeps a burst's worth per
// sampler on its stack and fills every field, so nothing is zeroed per
// burst (value-initialize, `BlockedAttempt a{};`, where fields are left out).
struct BlockedAttempt {
  uint8_t l3;      // SW_L3_IPV4 / SW_L3_IPV6
  uint8_t reason;  // sw_reason (consumer_smtp, quarantine, mx_fence)
  uint16_t dport;
  uint8_t src[16];  // the subscriber that tried
  uint8_t dst[16];  // where to
};
static_assert(sizeof(BlockedAttempt) == 36);

enum class ZombieMetric : uint8_t { kAttempts, kDestinations };

struct ZombieRow {
  uint8_t l3 = 0;
  uint8_t addr[16] = {};
  uint64_t attempts = 0;            // every reason
  uint32_t by_reason[3] = {};       // consumer_smtp, mx_fence, quarantine
  uint64_t destinations = 0;        // the estimate
  double first_seen = 0, last_seen = 0;
};

struct ZombieCounters {
  uint64_t attempts = 0;     // recorded
  uint64_t subscribers = 0;  // gauge: entries in use
  uint64_t evicted = 0;      // entries pushed out by a full neighbourhood
};

class ZombieTable {
 public:
  explicit ZombieTable(size_t capacity = 1 << 20);
  ~ZombieTable();
  ZombieTable(const ZombieTable&) = delete;
  ZombieTable& operator=(const ZombieTable&) = delete;

  void Record(const BlockedAttempt& a, double now);
  // The n subscribers highest by `metric`, highest first.
  std::vector<ZombieRow> Top(ZombieMetric metric, size_t n) const;
  const ZombieCounters& counters() const { return counters_; }
  size_t capacity() const { return mask_ + 1; }

 private:
  struct Entry;
  struct Free {
    void operator()(Entry* p) const;
  };
  std::unique_ptr<Entry, Free> entries_;  // calloc: zero pages until a subscriber lands there
  size_t mask_;
  ZombieCounters counters_;
  uint64_t seed_;
};

// "consumer_smtp" -> index in ZombieRow::by_reason; -1 for reasons not kept.
int ZombieReasonSlot(uint8_t reason);

}  // namespace spamwall::sampler

#endif  // SPAMWALL_DATAPLANE_SAMPLER_ZOMBIE_TABLE_H_
