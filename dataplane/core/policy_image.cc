#include "dataplane/core/policy_image.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <type_traits>

namespace spamwall {

namespace {

constexpr char kMagic[8] = {'S', 'W', 'P', 'O', 'L', 'I', 'M', 'G'};
constexpr size_t kAlign = 64;
constexpr size_t kDirectBytes = sizeof(uint32_t) << 16;
constexpr size_t kPortBytes = sizeof(uint64_t) * 1024;
constexpr size_t kMaxSource = 4096;

struct Section {
  uint64_t offset;
  uint64_t bytes;
};

struct PolicyImageHeader {
  char magic[8];
  uint32_t format;
  uint32_t header_bytes;
  uint64_t total_bytes;
  uint8_t mode;
  uint8_t reserved[3];
  uint32_t smtp_flow_rate;
  Section v4_direct, v4_blob, v6_direct, v6_blob, smtp_ports, submission_ports, source;
  uint64_t v4_slots, v4_leaves, v6_slots, v6_leaves;
  PolicySummary summary;
};
static_assert(std::is_trivially_copyable_v<PolicyImageHeader>);

size_t Align(size_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }

template <typename T>
size_t BlobBytes(const typename T::Storage& s) {
  return s.slot_count * 32 + s.leaf_count;
}

// Where each section goes for `policy`; returns the total size.
size_t Layout(const CompiledPolicy& policy, PolicyImageHeader* h) {
  *h = PolicyImageHeader{};
  size_t at = Align(sizeof(PolicyImageHeader));
  auto place = [&](Section* s, size_t bytes) {
    *s = {at, bytes};
    at = Align(at + bytes);
  };
  const auto v4 = policy.v4.storage();
  const auto v6 = policy.v6.storage();
  place(&h->v4_direct, kDirectBytes);
  place(&h->v4_blob, BlobBytes<Ipv4Poptrie>(v4));
  place(&h->v6_direct, kDirectBytes);
  place(&h->v6_blob, BlobBytes<Ipv6Poptrie>(v6));
  place(&h->smtp_ports, kPortBytes);
  place(&h->submission_ports, kPortBytes);
  place(&h->source, std::min(policy.source.size(), kMaxSource));
  std::memcpy(h->magic, kMagic, sizeof kMagic);
  h->format = kPolicyImageFormat;
  h->header_bytes = sizeof(PolicyImageHeader);
  h->total_bytes = at;
  h->mode = static_cast<uint8_t>(policy.mode);
  h->smtp_flow_rate = policy.smtp_flow_rate;
  h->v4_slots = v4.slot_count;
  h->v4_leaves = v4.leaf_count;
  h->v6_slots = v6.slot_count;
  h->v6_leaves = v6.leaf_count;
  h->summary = policy.summary;
  return at;
}

bool SectionOk(const Section& s, size_t size, uint64_t want, const char* name, std::string* error) {
  if (s.offset > size || s.bytes > size - s.offset || s.offset % kAlign != 0) {
    *error = std::string("policy image: section ") + name + " lies outside the " +
             std::to_string(size) + "-byte image";
    return false;
  }
  if (s.bytes != want) {
    *error = std::string("policy image: section ") + name + " is " + std::to_string(s.bytes) +
             " bytes, expected " + std::to_string(want);
    return false;
  }
  return true;
}

}  // namespace

size_t PolicyImageSize(const CompiledPolicy& policy) {
  PolicyImageHeader h;
  return Layout(policy, &h);
}

void WritePolicyImage(const CompiledPolicy& policy, uint8_t* out, size_t size) {
  PolicyImageHeader h;
  Layout(policy, &h);
  std::memset(out, 0, size);
  std::memcpy(out, &h, sizeof h);
  const auto v4 = policy.v4.storage();
  const auto v6 = policy.v6.storage();
  std::memcpy(out + h.v4_direct.offset, v4.direct, kDirectBytes);
  if (h.v4_blob.bytes) std::memcpy(out + h.v4_blob.offset, v4.blob, h.v4_blob.bytes);
  std::memcpy(out + h.v6_direct.offset, v6.direct, kDirectBytes);
  if (h.v6_blob.bytes) std::memcpy(out + h.v6_blob.offset, v6.blob, h.v6_blob.bytes);
  std::memcpy(out + h.smtp_ports.offset, policy.smtp_ports.bits().data(), kPortBytes);
  std::memcpy(out + h.submission_ports.offset, policy.submission_ports.bits().data(), kPortBytes);
  std::memcpy(out + h.source.offset, policy.source.data(), h.source.bytes);
}

std::unique_ptr<CompiledPolicy> LoadPolicyImage(const uint8_t* image, size_t size,
                                                std::string* error) {
  PolicyImageHeader h;
  if (size < sizeof h) {
    *error = "policy image: " + std::to_string(size) + " bytes, shorter than its header";
    return nullptr;
  }
  std::memcpy(&h, image, sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) {
    *error = "policy image: bad magic (not a spamwall policy image)";
    return nullptr;
  }
  if (h.format != kPolicyImageFormat || h.header_bytes != sizeof h) {
    *error = "policy image: format " + std::to_string(h.format) + " with a " +
             std::to_string(h.header_bytes) + "-byte header; this dataplane reads format " +
             std::to_string(kPolicyImageFormat) + " (" + std::to_string(sizeof h) + " bytes)";
    return nullptr;
  }
  if (h.total_bytes != size) {
    *error = "policy image: header says " + std::to_string(h.total_bytes) + " bytes, image has " +
             std::to_string(size);
    return nullptr;
  }
  if (h.mode > static_cast<uint8_t>(PolicyMode::kMonitor)) {
    *error = "policy image: unknown mode " + std::to_string(h.mode);
    return nullptr;
  }
  if (h.v4_slots > (uint64_t{1} << 31) || h.v6_slots > (uint64_t{1} << 31) ||
      h.v4_leaves > UINT32_MAX || h.v6_leaves > UINT32_MAX) {
    *error = "policy image: tables over 4 GiB";
    return nullptr;
  }
  if (!SectionOk(h.v4_direct, size, kDirectBytes, "ipv4 direct", error) ||
      !SectionOk(h.v4_blob, size, h.v4_slots * 32 + h.v4_leaves, "ipv4 slots", error) ||
      !SectionOk(h.v6_direct, size, kDirectBytes, "ipv6 direct", error) ||
      !SectionOk(h.v6_blob, size, h.v6_slots * 32 + h.v6_leaves, "ipv6 slots", error) ||
      !SectionOk(h.smtp_ports, size, kPortBytes, "smtp ports", error) ||
      !SectionOk(h.submission_ports, size, kPortBytes, "submission ports", error) ||
      !SectionOk(h.source, size, std::min<uint64_t>(h.source.bytes, kMaxSource), "source", error))
    return nullptr;
  // The direct arrays are read as uint32_t: 64-byte aligned offsets of an
  // mmap'ed (page-aligned) or malloc'ed image make them aligned.
  Ipv4Poptrie::Storage v4{reinterpret_cast<const uint32_t*>(image + h.v4_direct.offset),
                          image + h.v4_blob.offset, h.v4_slots, h.v4_leaves};
  Ipv6Poptrie::Storage v6{reinterpret_cast<const uint32_t*>(image + h.v6_direct.offset),
                          image + h.v6_blob.offset, h.v6_slots, h.v6_leaves};
  std::string why;
  if (!Ipv4Poptrie::ValidateStorage(v4, &why)) {
    *error = "policy image: ipv4 table: " + why;
    return nullptr;
  }
  if (!Ipv6Poptrie::ValidateStorage(v6, &why)) {
    *error = "policy image: ipv6 table: " + why;
    return nullptr;
  }
  auto policy = std::make_unique<CompiledPolicy>(v4, v6);
  policy->mode = static_cast<PolicyMode>(h.mode);
  policy->smtp_flow_rate = h.smtp_flow_rate;
  std::memcpy(policy->smtp_ports.bits().data(), image + h.smtp_ports.offset, kPortBytes);
  std::memcpy(policy->submission_ports.bits().data(), image + h.submission_ports.offset, kPortBytes);
  policy->source.assign(reinterpret_cast<const char*>(image + h.source.offset), h.source.bytes);
  policy->summary = h.summary;
  return policy;
}

int CreatePolicyImageFd(const CompiledPolicy& policy, std::string* error) {
  PolicyImageHeader h;
  const size_t size = Layout(policy, &h);
  int fd = memfd_create("spamwall-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    *error = std::string("memfd_create: ") + std::strerror(errno);
    return -1;
  }
  // Written with pwrite, section by section, into a file that reads as
  // zeros elsewhere: no page faults on a shared mapping, no zeroing pass
  // (for 1M prefixes that was most of the image time).
  const auto v4 = policy.v4.storage();
  const auto v6 = policy.v6.storage();
  const struct {
    const void* data;
    const Section& at;
  } parts[] = {{v4.direct, h.v4_direct},
               {v4.blob, h.v4_blob},
               {v6.direct, h.v6_direct},
               {v6.blob, h.v6_blob},
               {policy.smtp_ports.bits().data(), h.smtp_ports},
               {policy.submission_ports.bits().data(), h.submission_ports},
               {policy.source.data(), h.source}};
  bool ok = ftruncate(fd, static_cast<off_t>(size)) == 0 &&
            pwrite(fd, &h, sizeof h, 0) == static_cast<ssize_t>(sizeof h);
  for (const auto& part : parts) {
    const uint8_t* p = static_cast<const uint8_t*>(part.data);
    for (uint64_t done = 0; ok && done < part.at.bytes;) {
      ssize_t n = pwrite(fd, p + done, part.at.bytes - done, static_cast<off_t>(part.at.offset + done));
      ok = n > 0;
      if (ok) done += static_cast<uint64_t>(n);
    }
  }
  if (!ok) {
    *error = "policy image of " + std::to_string(size) + " bytes: " + std::strerror(errno);
    close(fd);
    return -1;
  }
  // Sealed: the receiver checks what it maps, and nobody can change it after.
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    *error = std::string("sealing the policy image: ") + std::strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

std::unique_ptr<CompiledPolicy> LoadPolicyImageFd(int fd, std::string* error) {
  constexpr int kNeeded = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  int seals = fcntl(fd, F_GET_SEALS);
  if (seals < 0 || (seals & kNeeded) != kNeeded) {
    *error = "policy image: the descriptor is not a sealed memfd (it could change while read)";
    return nullptr;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size <= 0) {
    *error = "policy image: empty";
    return nullptr;
  }
  const size_t size = static_cast<size_t>(st.st_size);
  // Populated up front: one call maps every page instead of a fault each.
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (p == MAP_FAILED) {
    *error = std::string("policy image: mmap: ") + std::strerror(errno);
    return nullptr;
  }
  auto policy = LoadPolicyImage(static_cast<const uint8_t*>(p), size, error);
  munmap(p, size);
  return policy;
}

}  // namespace spamwall
