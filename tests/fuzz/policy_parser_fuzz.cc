// libFuzzer target: any text as a policy. A refused policy must come with at
// least one error that names the file; an accepted one must compile, and its
// lookup tables must give every probed address the class bits docs/policy.md
// defines: the fold of every list entry covering it, shortest first.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "control/policy/policy_loader.h"
#include "dataplane/core/stride_trie.h"

namespace {

struct Entry {
  spamwall::Prefix prefix;
  uint8_t bits;
};

std::vector<Entry> Entries(const spamwall::Policy& p, spamwall::Day today) {
  std::vector<Entry> out;
  auto add = [&](const std::vector<spamwall::PrefixEntry>& list, uint8_t bits) {
    for (const auto& e : list) out.push_back({e.prefix, bits});
  };
  add(p.consumer, SW_CLASS_CONSUMER);
  add(p.business, SW_CLASS_BUSINESS);
  add(p.internal, SW_CLASS_INTERNAL);
  add(p.mx_servers, SW_CLASS_MX);
  add(p.authorized_relays, SW_CLASS_RELAY);
  add(p.quarantine, SW_CLASS_QUARANTINE);
  for (const auto& ex : p.exemptions)
    if (ex.expires >= today) out.push_back({ex.prefix, SW_CLASS_EXEMPT});
  // Shortest first; at equal length business last, so it wins a tie with
  // consumer (the tie rule).
  std::stable_sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
    if (a.prefix.length != b.prefix.length) return a.prefix.length < b.prefix.length;
    return (a.bits == SW_CLASS_BUSINESS) < (b.bits == SW_CLASS_BUSINESS);
  });
  return out;
}

uint8_t Reference(const std::vector<Entry>& entries, const spamwall::Prefix& addr) {
  uint8_t v = 0;
  for (const auto& e : entries)
    if (e.prefix.Contains(addr.addr.data(), addr.family)) v = spamwall::MergeClassBits(v, e.bits);
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  spamwall::Diagnostics diag;
  auto policy = spamwall::LoadPolicyText(text, "fuzz.yaml", "", &diag);
  if (!policy) {
    if (diag.errors.empty()) std::abort();
    for (const auto& e : diag.errors)
      if (e.file.empty() || e.message.empty()) std::abort();
    return 0;
  }
  spamwall::CompileOptions opts;
  opts.max_trie_nodes = 4096;  // bounded memory per input
  auto compiled = spamwall::CompilePolicy(*policy, opts, &diag);
  if (!compiled) {
    if (diag.errors.empty()) std::abort();
    return 0;
  }
  // Probe the first and last address of every prefix and their neighbours.
  std::vector<Entry> entries = Entries(*policy, opts.today);
  if (entries.size() > 256) return 0;  // the reference is quadratic
  for (const auto& e : entries) {
    spamwall::Prefix lo = e.prefix, hi = e.prefix;
    for (int bit = e.prefix.length; bit < e.prefix.max_length(); bit++)
      hi.addr[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
    for (const spamwall::Prefix* a : {&lo, &hi}) {
      for (int delta : {-1, 0, 1}) {
        spamwall::Prefix probe = *a;
        int i = probe.max_length() / 8 - 1;  // add delta to the address, with carry
        if (delta > 0) {
          while (i >= 0 && ++probe.addr[i] == 0) i--;
        } else if (delta < 0) {
          while (i >= 0 && probe.addr[i]-- == 0) i--;
        }
        uint8_t l3 = probe.family == 4 ? SW_L3_IPV4 : SW_L3_IPV6;
        if (compiled->ClassOf(l3, probe.addr.data()) != Reference(entries, probe)) std::abort();
      }
    }
  }
  return 0;
}
