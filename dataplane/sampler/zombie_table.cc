#include "dataplane/sampler/zombie_table.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>

#include "dataplane/core/packet_parse.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall::sampler {

namespace {

constexpr int kProbes = 8;
constexpr int kRegisters = 64;  // HyperLogLog, 4 bits each

uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t HashAddr(const uint8_t* a, uint8_t l3, uint64_t seed) {
  uint64_t lo, hi;
  std::memcpy(&lo, a, 8);
  std::memcpy(&hi, a + 8, 8);
  return Mix(lo ^ Mix(hi ^ seed ^ l3));
}

}  // namespace

struct ZombieTable::Entry {
  uint8_t addr[16];
  uint8_t l3;  // 0: free
  uint8_t pad[3];
  uint32_t by_reason[3];
  uint32_t first_seen, last_seen;  // unix seconds
  uint8_t hll[kRegisters / 2];     // two 4-bit registers a byte
};

int ZombieReasonSlot(uint8_t reason) {
  switch (reason) {
    case SW_REASON_CONSUMER_SMTP: return 0;
    case SW_REASON_MX_FENCE: return 1;
    case SW_REASON_QUARANTINE: return 2;
    default: return -1;
  }
}

ZombieTable::ZombieTable(size_t capacity) {
  static_assert(sizeof(Entry) == 72, "the size the header documents");
  size_t n = 64;
  while (n < capacity) n <<= 1;
  entries_.reset(static_cast<Entry*>(std::calloc(n, sizeof(Entry))));  // every slot free
  if (!entries_) throw std::bad_alloc();
  mask_ = n - 1;
  seed_ = std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
}

ZombieTable::~ZombieTable() = default;

void ZombieTable::Free::operator()(Entry* p) const { std::free(p); }

void ZombieTable::Record(const BlockedAttempt& a, double now) {
  const int slot = ZombieReasonSlot(a.reason);
  if (slot < 0 || (a.l3 != SW_L3_IPV4 && a.l3 != SW_L3_IPV6)) return;
  const uint64_t h = HashAddr(a.src, a.l3, seed_);
  Entry* target = nullptr;
  Entry* weakest = nullptr;
  for (int p = 0; p < kProbes; p++) {
    Entry& e = entries_.get()[(h + p) & mask_];
    if (e.l3 == a.l3 && std::memcmp(e.addr, a.src, 16) == 0) {
      target = &e;
      break;
    }
    if (e.l3 == 0) {
      if (!target) target = &e;  // the first free slot, unless the address is further on
      continue;
    }
    const uint64_t total = uint64_t{e.by_reason[0]} + e.by_reason[1] + e.by_reason[2];
    if (!weakest || total < uint64_t{weakest->by_reason[0]} + weakest->by_reason[1] + weakest->by_reason[2])
      weakest = &e;
  }
  const uint32_t t = static_cast<uint32_t>(now);
  if (target == nullptr) {  // a full neighbourhood: the quietest one goes
    target = weakest;
    counters_.evicted++;
    counters_.subscribers--;
    target->l3 = 0;
  }
  if (target->l3 == 0) {
    std::memset(target, 0, sizeof(Entry));
    std::memcpy(target->addr, a.src, 16);
    target->l3 = a.l3;
    target->first_seen = t;
    counters_.subscribers++;
  }
  if (target->by_reason[slot] != UINT32_MAX) target->by_reason[slot]++;
  target->last_seen = t;
  // The destination into the sketch: register by the low bits, rank of the rest.
  const uint64_t d = HashAddr(a.dst, a.l3, seed_ ^ 0x5bd1e995) ^ Mix(a.dport);
  const unsigned reg = d & (kRegisters - 1);
  const uint64_t rest = d >> 6;
  const uint8_t rank = static_cast<uint8_t>(std::min(15, rest ? __builtin_ctzll(rest) + 1 : 15));
  uint8_t& byte = target->hll[reg / 2];
  const uint8_t cur = reg & 1 ? byte >> 4 : byte & 15;
  if (rank > cur) byte = reg & 1 ? static_cast<uint8_t>((byte & 0x0f) | (rank << 4))
                                 : static_cast<uint8_t>((byte & 0xf0) | rank);
  counters_.attempts++;
}

namespace {

uint64_t Estimate(const uint8_t* hll) {
  double sum = 0;
  int zeros = 0;
  for (int r = 0; r < kRegisters; r++) {
    const uint8_t v = r & 1 ? hll[r / 2] >> 4 : hll[r / 2] & 15;
    sum += std::ldexp(1.0, -v);
    zeros += v == 0;
  }
  const double m = kRegisters, alpha = 0.709;  // alpha for m = 64
  double e = alpha * m * m / sum;
  if (e <= 2.5 * m && zeros > 0) e = m * std::log(m / zeros);  // small range: linear counting
  return static_cast<uint64_t>(e + 0.5);
}

}  // namespace

std::vector<ZombieRow> ZombieTable::Top(ZombieMetric metric, size_t n) const {
  std::vector<ZombieRow> rows;
  if (n == 0) return rows;
  auto key = [metric](const ZombieRow& r) { return metric == ZombieMetric::kAttempts ? r.attempts : r.destinations; };
  auto worse = [&](const ZombieRow& a, const ZombieRow& b) { return key(a) > key(b); };  // min-heap on key
  for (size_t i = 0; i <= mask_; i++) {
    const Entry& e = entries_.get()[i];
    if (e.l3 == 0) continue;
    ZombieRow r;
    r.l3 = e.l3;
    std::memcpy(r.addr, e.addr, 16);
    std::copy(std::begin(e.by_reason), std::end(e.by_reason), r.by_reason);
    r.attempts = uint64_t{e.by_reason[0]} + e.by_reason[1] + e.by_reason[2];
    r.destinations = Estimate(e.hll);
    r.first_seen = e.first_seen;
    r.last_seen = e.last_seen;
    if (rows.size() < n) {
      rows.push_back(r);
      std::push_heap(rows.begin(), rows.end(), worse);
    } else if (key(r) > key(rows.front())) {
      std::pop_heap(rows.begin(), rows.end(), worse);
      rows.back() = r;
      std::push_heap(rows.begin(), rows.end(), worse);
    }
  }
  std::sort(rows.begin(), rows.end(), [&](const ZombieRow& a, const ZombieRow& b) { return key(a) > key(b); });
  return rows;
}

}  // namespace spamwall::sampler
