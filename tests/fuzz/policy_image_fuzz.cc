// libFuzzer target: any bytes as a compiled-policy image, the form in which
// controld hands a policy to the dataplane (dataplane/core/policy_image.h).
// LoadPolicyImage must refuse anything malformed with a reason, and agree
// with the walker (WalkPolicyImage) on what a section table says; a loaded
// image must be safe to look up in: for addresses of both families derived
// from the input (most of them walking below the direct array), a reference
// walk that checks every read against the tables' bounds must stay inside
// them and agree with Lookup and LookupBurst. A loaded image built again
// (BuildPolicyImage with its meta and extra sections) must load again with
// the same answers, fields and sections, and build the same bytes. ASan
// checks the loader reads nothing past the image (an exact-size, 64-byte
// aligned heap copy). Each input is also tried with its CRCs made right
// (where its section table allows), so that mutations reach the meta and
// the tables instead of stopping at a checksum.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/core/policy_image.h"
#include "dataplane/core/policy_image_format.h"

namespace {

using spamwall::CompiledPolicy;
using spamwall::ImageSectionInfo;
using spamwall::LoadedPolicyImage;
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

// What the walker returned is what its contract says: aligned, inside the
// image after the table, unique, not overlapping, CRCs right.
void CheckWalk(const uint8_t* image, size_t size, const std::vector<ImageSectionInfo>& sections) {
  std::vector<ImageSectionInfo> by_offset = sections;
  std::sort(by_offset.begin(), by_offset.end(), [](const auto& a, const auto& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.bytes < b.bytes;
  });
  for (size_t i = 0; i < by_offset.size(); i++) {
    const ImageSectionInfo& s = by_offset[i];
    Check(s.offset % 64 == 0 && s.offset >= 32 && s.offset <= size && s.bytes <= size - s.offset,
          "the walker passed a section outside the image");
    Check(i == 0 || by_offset[i - 1].offset + by_offset[i - 1].bytes <= s.offset,
          "the walker passed overlapping sections");
    Check(spamwall::Crc32c(image + s.offset, s.bytes) == s.crc32c, "the walker passed a bad CRC");
    for (size_t k = 0; k < i; k++) Check(by_offset[k].type != s.type, "the walker passed a duplicate");
  }
}

bool SameMeta(const spamwall::PolicyImageMeta& a, const spamwall::PolicyImageMeta& b) {
  return a.generation == b.generation && a.origin == b.origin && a.source == b.source &&
         a.created_at == b.created_at && a.compiler_version == b.compiler_version &&
         a.cpu_features == b.cpu_features;
}

bool SameExtra(const std::vector<spamwall::ImageExtraSection>& a,
               const std::vector<spamwall::ImageExtraSection>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (a[i].type != b[i].type || a[i].flags != b[i].flags || a[i].bytes != b[i].bytes) return false;
  return true;
}

void CheckImage(const uint8_t* data, size_t size) {
  Buffer image = Allocate(size);
  if (size) std::memcpy(image.get(), data, size);
  std::string error, walk_error;
  std::vector<ImageSectionInfo> sections;
  const bool walked = spamwall::WalkPolicyImage(image.get(), size, &sections, &walk_error);
  std::optional<LoadedPolicyImage> loaded = spamwall::LoadPolicyImage(image.get(), size, &error);
  if (walked) CheckWalk(image.get(), size, sections);
  if (!walked) {
    Check(walk_error.rfind("policy image: ", 0) == 0 && walk_error.size() > 14, "a walk refusal without a reason");
    Check(!loaded && error == walk_error, "the loader and the walker disagree");
  }
  if (!loaded) {
    Check(error.rfind("policy image: ", 0) == 0 && error.size() > 14, "a refusal without a reason");
    return;
  }
  const CompiledPolicy& policy = *loaded->policy;
  Check(policy.generation == loaded->meta.generation && policy.source == loaded->meta.source,
        "the policy and its meta disagree");
  Check(loaded->digest == spamwall::PolicyImageDigest(image.get(), size), "a wrong digest");
  for (const auto& e : loaded->extra) Check(e.type >= 0x100, "a dataplane section among the extra ones");
  // Keys from the tail of the input (the fuzzer's mutations land anywhere).
  uint64_t seed = 0xcbf29ce484222325ull ^ size;
  for (size_t i = size > 256 ? size - 256 : 0; i < size; i++) seed = (seed ^ data[i]) * 0x100000001b3ull;
  const std::vector<uint8_t> answers = Answers(policy, seed);

  // What the dataplane loaded, built again with the same meta and extra
  // sections, loads again, the same, and builds the same bytes.
  const std::vector<uint8_t> built = spamwall::BuildPolicyImage(policy, loaded->meta, loaded->extra);
  Check(!built.empty(), "a loaded image does not build again");
  Buffer again = Allocate(built.size());
  std::memcpy(again.get(), built.data(), built.size());
  std::string again_error;
  auto reloaded = spamwall::LoadPolicyImage(again.get(), built.size(), &again_error);
  if (!reloaded) std::fprintf(stderr, "policy_image_fuzz: %s\n", again_error.c_str());
  Check(reloaded.has_value(), "a loaded image builds an image that does not load");
  const CompiledPolicy& re = *reloaded->policy;
  Check(Answers(re, seed) == answers, "a rebuilt image answers differently");
  Check(re.generation == policy.generation && re.mode == policy.mode &&
            re.smtp_flow_rate == policy.smtp_flow_rate && re.source == policy.source &&
            std::memcmp(&re.summary, &policy.summary, sizeof re.summary) == 0 &&
            re.smtp_ports.bits() == policy.smtp_ports.bits() &&
            re.submission_ports.bits() == policy.submission_ports.bits() &&
            re.signature_db == policy.signature_db,
        "a rebuilt image lost a policy field");
  Check(SameMeta(reloaded->meta, loaded->meta), "a rebuilt image lost a meta field");
  Check(SameExtra(reloaded->extra, loaded->extra), "a rebuilt image lost an extra section");
  Check(reloaded->digest == spamwall::PolicyImageDigest(built.data(), built.size()), "a wrong digest");
  Check(spamwall::BuildPolicyImage(re, reloaded->meta, reloaded->extra) == built,
        "a rebuilt image builds different bytes");
}

// The input with every CRC its section table allows made right; false when
// there is nothing to fix.
bool FixCrcs(std::vector<uint8_t>* img) {
  using namespace spamwall::image;
  Header h;
  if (img->size() < sizeof h) return false;
  std::memcpy(&h, img->data(), sizeof h);
  if (h.header_bytes < sizeof h || h.header_bytes > kMaxHeaderBytes || h.section_count > kMaxSections)
    return false;
  const uint64_t table_end = h.header_bytes + uint64_t{h.section_count} * sizeof(SectionEntry);
  if (table_end > img->size()) return false;
  for (uint32_t i = 0; i < h.section_count; i++) {
    SectionEntry e;
    uint8_t* at = img->data() + h.header_bytes + uint64_t{i} * sizeof e;
    std::memcpy(&e, at, sizeof e);
    if (e.offset > img->size() || e.bytes > img->size() - e.offset) continue;
    e.crc32c = spamwall::Crc32c(img->data() + e.offset, e.bytes);
    std::memcpy(at, &e, sizeof e);
  }
  h.header_crc = 0;
  std::memcpy(img->data(), &h, sizeof h);
  h.header_crc = HeaderCrc(img->data(), table_end);
  std::memcpy(img->data(), &h, sizeof h);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (size_t{4} << 20)) return 0;
  CheckImage(data, size);
  std::vector<uint8_t> fixed(data, data + size);
  if (FixCrcs(&fixed) && std::memcmp(fixed.data(), data, size) != 0) CheckImage(fixed.data(), fixed.size());
  return 0;
}
