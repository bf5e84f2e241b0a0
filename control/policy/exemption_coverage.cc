#include "control/policy/exemption_coverage.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dataplane/core/stride_trie.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall {

namespace {

constexpr AddressCount kMax = ~AddressCount{0};

AddressCount SizeOf(int len, int key_bytes) {
  const int host = key_bytes * 8 - len;
  return host >= 128 ? kMax : AddressCount{1} << host;
}

bool Less(const PoptriePrefix& a, const std::array<uint8_t, 16>& addr, int len, int key_bytes) {
  const int c = std::memcmp(a.addr.data(), addr.data(), static_cast<size_t>(key_bytes));
  return c != 0 ? c < 0 : a.length < len;
}

// addr with the bits past len cleared.
std::array<uint8_t, 16> Masked(const std::array<uint8_t, 16>& addr, int len, int key_bytes) {
  std::array<uint8_t, 16> m{};
  for (int i = 0; i < key_bytes; i++) {
    const int keep = std::clamp(len - 8 * i, 0, 8);
    m[i] = keep == 0 ? 0 : static_cast<uint8_t>(addr[i] & (0xff << (8 - keep)));
  }
  return m;
}

// Whether e lies inside (addr, len) and is longer.
bool Inside(const PoptriePrefix& e, const std::array<uint8_t, 16>& addr, int len, int key_bytes) {
  return e.length > len && Masked(e.addr, len, key_bytes) == addr;
}

bool IsConsumer(uint32_t bits) { return (bits & SW_CLASS_CONSUMER) != 0; }

// The consumer addresses of (addr, len) whose covering bits are `cover`;
// *i is at its first entry inside it and ends past its last.
AddressCount Count(const PoptriePrefix* p, size_t n, size_t* i, const std::array<uint8_t, 16>& addr,
                   int len, uint32_t cover, int key_bytes) {
  AddressCount inner_size = 0, inner_consumer = 0;
  while (*i < n && Inside(p[*i], addr, len, key_bytes)) {
    const PoptriePrefix& child = p[(*i)++];
    inner_size += SizeOf(child.length, key_bytes);
    inner_consumer += Count(p, n, i, child.addr, child.length, MergeClassBits(cover, child.bits), key_bytes);
  }
  const AddressCount own = IsConsumer(cover) ? SizeOf(len, key_bytes) - inner_size : 0;
  return own > kMax - inner_consumer ? kMax : own + inner_consumer;
}

std::string Percent(AddressCount part, AddressCount whole) {
  if (whole == 0) return "0%";
  const long double r = 100.0L * static_cast<long double>(part) / static_cast<long double>(whole);
  char b[32];
  snprintf(b, sizeof b, r >= 10 || r == 0 ? "%.0Lf%%" : r >= 0.1 ? "%.1Lf%%" : "%.2Lg%%", r);
  return b;
}

}  // namespace

ConsumerSpace::ConsumerSpace(const PoptriePrefix* sorted, size_t n, int key_bytes)
    : p_(sorted), n_(n), key_bytes_(key_bytes) {}

AddressCount ConsumerSpace::ConsumerIn(const Prefix& p) const {
  // The bits covering p: the prefixes containing it (p's own included),
  // shortest first, one binary search per length.
  uint32_t cover = 0;
  for (int len = 0; len <= p.length; len++) {
    const auto key = Masked(p.addr, len, key_bytes_);
    const PoptriePrefix* it = std::lower_bound(
        p_, p_ + n_, 0, [&](const PoptriePrefix& e, int) { return Less(e, key, len, key_bytes_); });
    if (it != p_ + n_ && it->length == len &&
        std::memcmp(it->addr.data(), key.data(), static_cast<size_t>(key_bytes_)) == 0)
      cover = MergeClassBits(cover, it->bits);
  }
  const auto key = Masked(p.addr, p.length, key_bytes_);
  size_t i = static_cast<size_t>(std::lower_bound(p_, p_ + n_, 0, [&](const PoptriePrefix& e, int) {
                                   return Less(e, key, p.length + 1, key_bytes_);
                                 }) - p_);
  return Count(p_, n_, &i, key, p.length, cover, key_bytes_);
}

AddressCount ConsumerSpace::Total() const {
  if (!total_) {
    Prefix all;
    all.family = key_bytes_ == 4 ? 4 : 6;
    total_ = ConsumerIn(all);
  }
  return *total_;
}

ExemptionCoverage CoverageOf(const ConsumerSpace& space, const Prefix& p) {
  ExemptionCoverage c;
  c.prefix = p;
  c.freed = space.ConsumerIn(p);
  c.size = SizeOf(p.length, p.family == 4 ? 4 : 16);
  c.consumer_total = space.Total();
  return c;
}

SubscriberLists::SubscriberLists(const Policy& policy) {
  for (const auto* list : {&policy.consumer, &policy.business}) {
    const uint8_t bits = list == &policy.consumer ? SW_CLASS_CONSUMER : SW_CLASS_BUSINESS;
    for (const auto& e : *list)
      (e.prefix.family == 4 ? v4 : v6).push_back({e.prefix.addr, e.prefix.length, bits});
  }
  SortAndMergePrefixes(&v4, 4);
  SortAndMergePrefixes(&v6, 16);
}

ExemptionCoverage SubscriberLists::Cover(const Prefix& p) const {
  const std::vector<PoptriePrefix>& v = p.family == 4 ? v4 : v6;
  return CoverageOf(ConsumerSpace(v.data(), v.size(), p.family == 4 ? 4 : 16), p);
}

std::string FormatCount(AddressCount n) {
  if (n == kMax) return "2^128";
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(n % 10)));
    n /= 10;
  } while (n != 0);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return digits;
}

std::string CoverageText(const ExemptionCoverage& c) {
  const char* fam = c.prefix.family == 4 ? "IPv4" : "IPv6";
  if (c.freed == 0)
    return "frees no consumer address: none of its " + FormatCount(c.size) + " addresses is in a consumer "
           "prefix, so it changes nothing";
  return "frees " + FormatCount(c.freed) + " consumer addresses of its " + FormatCount(c.size) + " (" +
         Percent(c.freed, c.size) + "; " + Percent(c.freed, c.consumer_total) + " of the policy's " +
         FormatCount(c.consumer_total) + " " + fam + " consumer addresses)";
}

}  // namespace spamwall
