// Helpers shared by the prefix-table tests (stride_trie_test, poptrie_test).
#ifndef SPAMWALL_DATAPLANE_CORE_TABLE_TEST_UTIL_H_
#define SPAMWALL_DATAPLANE_CORE_TABLE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dataplane/core/prefix.h"
#include "dataplane/core/stride_trie.h"

namespace spamwall::testing_util {

inline Prefix P(const char* text) {
  Prefix p;
  std::string err;
  EXPECT_TRUE(ParsePrefix(text, &p, &err)) << err;
  return p;
}

struct Entry {
  Prefix prefix;
  uint8_t bits;
};

// Reference answer: fold every covering prefix, shortest first, exactly as
// docs/policy.md defines the resolved class bits.
inline uint8_t Reference(const std::vector<Entry>& sorted, const uint8_t* addr, uint8_t family) {
  uint8_t v = 0;
  for (const auto& e : sorted)
    if (e.prefix.Contains(addr, family)) v = MergeClassBits(v, e.bits);
  return v;
}

// Paints entries into t, shortest first (sorting them in place).
template <typename Table>
void Build(Table* t, std::vector<Entry>* entries) {
  std::stable_sort(entries->begin(), entries->end(),
                   [](const Entry& a, const Entry& b) { return a.prefix.length < b.prefix.length; });
  for (const auto& e : *entries) ASSERT_TRUE(t->Paint(e.prefix.addr.data(), e.prefix.length, e.bits));
}

}  // namespace spamwall::testing_util

#endif  // SPAMWALL_DATAPLANE_CORE_TABLE_TEST_UTIL_H_
