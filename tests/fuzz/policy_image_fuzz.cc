// libFuzzer target: any bytes as a compiled-policy image, the form in which
// controld hands a policy to the dataplane (dataplane/core/policy_image.h).
// LoadPolicyImage must refuse anything malformed with a reason, and a loaded
// image must be safe to look up in: for addresses of both families derived
// from the input (most of them walking below the direct array), a reference
// walk that checks every read against the tables' bounds must stay inside
// them and agree with Lookup and LookupBurst. A loaded policy must write an
// image that loads again with the same answers. ASan checks the loader reads
// nothing past the image (an exact-size, 64-byte aligned heap copy).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "dataplane/core/policy_image.h"

namespace {

using spamwall::CompiledPolicy;
using spamwall::PoptrieQuarter;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "policy_image_fuzz: %s\n", what);
    std::abort();
  }
}

struct AlignedFree {
  void operator()(uint8_t* p) const { ::operator delete(p, std::align_val_t{64}); }
};
using Buffer = std::unique_ptr<uint8_t, AlignedFree>;
Buffer Allocate(size_t size) {
  return Buffer(static_cast<uint8_t*>(::operator new(size ? size : 1, std::align_val_t{64})));
}

uint32_t Pop(uint64_t x) { return static_cast<uint32_t>(__builtin_popcountll(x)); }

// Lookup (poptrie.cc) step by step, each read checked against the tables'
// bounds, with the same 32-bit index arithmetic and the SSE2 last-byte rule.
template <typename Trie>
uint8_t ReferenceLookup(const typename Trie::Storage& t, const uint8_t* key) {
  constexpr int kKeyBytes = Trie::kKeyBytes;
  const uint64_t blob_bytes = uint64_t{t.slot_count} * 32 + t.leaf_count;
  auto quarter = [&](uint32_t at) {
    Check(at < t.slot_count, "a lookup reads a slot past the table");
    PoptrieQuarter q;
    std::memcpy(&q, t.blob + uint64_t{at} * 32, sizeof q);
    return q;
  };
  auto quarter_leaf = [&](const PoptrieQuarter& q, uint32_t byte) {
    const uint64_t upto = (uint64_t{2} << (byte & 63)) - 1;
    const uint32_t i = q.leaf_off + Pop(q.leaf & upto) - 1;  // as Lookup: 32 bits
    Check(i < blob_bytes, "a lookup reads a run past the table");
    return t.blob[i];
  };
  const uint32_t d = t.direct[(uint32_t{key[0]} << 8) | key[1]];
  if (d & Trie::kDirectLeaf) return static_cast<uint8_t>(d);
  uint32_t at = d + (key[2] >> 6);
  for (int j = 2;; j++) {
    if (j == kKeyBytes - 1) {
      Check(at < t.slot_count, "a lookup reads a last-byte node past the table");
      const uint8_t* s = t.blob + uint64_t{at} * 32;
      const uint32_t n = s[0], byte = key[j];
      if (n == 0) {
        uint32_t full;
        std::memcpy(&full, s + 16, sizeof full);
        return quarter_leaf(quarter(full + (byte >> 6)), byte);
      }
      uint32_t above = 0;
      for (int i = 1; i < 16; i++) above += s[i] > byte;
      const uint32_t v = 16 + n - 1 - above;
      Check(v < 32, "a last-byte node reads past its slot");
      return s[v];
    }
    const PoptrieQuarter q = quarter(at);
    const uint32_t bit = key[j] & 63;
    if (!((q.child >> bit) & 1)) return quarter_leaf(q, bit);
    const uint32_t rank = Pop(q.child & ((uint64_t{1} << bit) - 1));
    at = j + 1 == kKeyBytes - 1 ? q.child_quarter + rank
                                : q.child_quarter + 4 * rank + (key[j + 1] >> 6);
  }
}

struct Rng {
  uint64_t s;
  uint64_t Next() {  // splitmix64
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

constexpr int kKeys = 16;

// kKeys keys: half below direct entries that are nodes (deep walks), half
// anywhere. Returns the answers of Lookup, checked against the reference
// walk and LookupBurst.
template <typename Trie>
std::vector<uint8_t> Probe(const Trie& trie, Rng rng) {
  constexpr int kKeyBytes = Trie::kKeyBytes;
  const auto t = trie.storage();
  std::vector<std::vector<uint8_t>> keys(kKeys, std::vector<uint8_t>(kKeyBytes));
  for (auto& k : keys)
    for (auto& b : k) b = static_cast<uint8_t>(rng.Next());
  uint32_t d = static_cast<uint32_t>(rng.Next()) & 0xffff;
  for (int k = 0, scanned = 0; k < kKeys / 2 && scanned < 0x10000; scanned++, d = (d + 1) & 0xffff) {
    if (t.direct[d] & Trie::kDirectLeaf) continue;
    keys[k][0] = static_cast<uint8_t>(d >> 8);
    keys[k][1] = static_cast<uint8_t>(d);
    k++;
    d = (d + static_cast<uint32_t>(rng.Next() % 4096)) & 0xffff;
  }
  std::vector<uint8_t> single(kKeys), burst(kKeys);
  const uint8_t* ptrs[kKeys];
  for (int i = 0; i < kKeys; i++) {
    ptrs[i] = keys[i].data();
    single[i] = trie.Lookup(keys[i].data());
    Check(single[i] == ReferenceLookup<Trie>(t, keys[i].data()), "Lookup disagrees with the reference walk");
  }
  trie.LookupBurst(ptrs, kKeys, burst.data());
  Check(burst == single, "LookupBurst disagrees with Lookup");
  return single;
}

std::vector<uint8_t> Answers(const CompiledPolicy& p, uint64_t seed) {
  std::vector<uint8_t> out = Probe(p.v4, Rng{seed});
  std::vector<uint8_t> v6 = Probe(p.v6, Rng{seed ^ 0x6666});
  out.insert(out.end(), v6.begin(), v6.end());
  Rng rng{seed ^ 0x9090};
  for (uint16_t port : {uint16_t{25}, uint16_t{465}, uint16_t{587}, uint16_t{0}, uint16_t{65535}})
    out.push_back(p.PortFlags(port));
  for (int i = 0; i < 8; i++) out.push_back(p.PortFlags(static_cast<uint16_t>(rng.Next())));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (size_t{4} << 20)) return 0;
  Buffer image = Allocate(size);
  if (size) std::memcpy(image.get(), data, size);
  std::string error;
  std::unique_ptr<CompiledPolicy> policy = spamwall::LoadPolicyImage(image.get(), size, &error);
  if (!policy) {
    Check(error.rfind("policy image: ", 0) == 0 && error.size() > 14, "a refusal without a reason");
    return 0;
  }
  // Keys from the tail of the input (the fuzzer's mutations land anywhere).
  uint64_t seed = 0xcbf29ce484222325ull ^ size;
  for (size_t i = size > 256 ? size - 256 : 0; i < size; i++) seed = (seed ^ data[i]) * 0x100000001b3ull;
  const std::vector<uint8_t> answers = Answers(*policy, seed);

  // What the dataplane loaded, written again, loads again, the same.
  const size_t again_size = spamwall::PolicyImageSize(*policy);
  Buffer again = Allocate(again_size);
  spamwall::WritePolicyImage(*policy, again.get(), again_size);
  std::string again_error;
  auto reloaded = spamwall::LoadPolicyImage(again.get(), again_size, &again_error);
  Check(reloaded != nullptr, "a loaded policy writes an image that does not load");
  Check(Answers(*reloaded, seed) == answers, "a rewritten image answers differently");
  Check(reloaded->mode == policy->mode && reloaded->smtp_flow_rate == policy->smtp_flow_rate &&
            reloaded->source == policy->source &&
            reloaded->smtp_ports.bits() == policy->smtp_ports.bits() &&
            reloaded->submission_ports.bits() == policy->submission_ports.bits(),
        "a rewritten image lost a field");
  return 0;
}
