// Policy images in memory: building one, and loading one after the walker
// (policy_image_walk.cc) has checked its structure and CRCs. The memfd and
// file forms are in policy_image_io.cc.
#include "dataplane/core/policy_image.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dataplane/core/policy_image_format.h"
#include "dataplane/core/policy_image_layout.h"
#include "dataplane/core/policy_image_meta.h"

namespace spamwall {

using namespace image;

std::vector<uint8_t> BuildPolicyImage(const CompiledPolicy& policy, const PolicyImageMeta& meta,
                                      const std::vector<ImageExtraSection>& extra) {
  Layout layout;
  std::string error;
  if (!LayOut(policy, meta, extra, &layout, &error)) return {};
  std::vector<uint8_t> out(layout.total);
  std::memcpy(out.data(), layout.head.data(), layout.head.size());
  for (const Piece& p : layout.pieces)
    if (p.at.bytes) std::memcpy(out.data() + p.at.offset, p.data, p.at.bytes);
  return out;
}

std::optional<LoadedPolicyImage> LoadPolicyImage(const uint8_t* image, size_t size,
                                                 std::string* error) {
  std::vector<ImageSectionInfo> sections;
  if (!WalkPolicyImage(image, size, &sections, error)) return std::nullopt;
  auto fail = [&](const std::string& what) {
    *error = "policy image: " + what;
    return std::nullopt;
  };

  constexpr uint32_t kLastKnown = static_cast<uint32_t>(ImageSectionType::kSubmissionPorts);
  const ImageSectionInfo* known[kLastKnown + 1] = {};
  LoadedPolicyImage out;
  const ImageSectionInfo* sigs = nullptr;  // present only when the policy has signatures
  for (const ImageSectionInfo& s : sections) {
    if (s.type == static_cast<uint32_t>(ImageSectionType::kSignatures)) {
      if (sigs) return fail(SectionName(s.type) + " given twice");
      if (s.bytes == 0) return fail(SectionName(s.type) + " is empty");
      sigs = &s;
    } else if (s.type >= 0x100) {
      out.extra.push_back({s.type, s.flags, std::string(reinterpret_cast<const char*>(image + s.offset), s.bytes)});
    } else if (s.type >= 1 && s.type <= kLastKnown) {
      known[s.type] = &s;
    } else if (s.flags & kSectionRequired) {
      char type[16];
      std::snprintf(type, sizeof type, "0x%x", s.type);
      return fail(std::string("section type ") + type +
                  " is required and unknown to this reader (written by a newer spamwall?)");
    }  // else a newer writer's optional section: skipped
  }
  for (uint32_t t = 1; t <= kLastKnown; t++)
    if (!known[t]) return fail(SectionName(t) + " is missing");
  auto at = [&](ImageSectionType t) { return image + known[static_cast<uint32_t>(t)]->offset; };
  auto sized = [&](ImageSectionType t, uint64_t want, const std::string& why) {
    const uint64_t bytes = known[static_cast<uint32_t>(t)]->bytes;
    if (bytes == want) return true;
    *error = "policy image: " + SectionName(static_cast<uint32_t>(t)) + " is " +
             std::to_string(bytes) + " bytes, " + why + " " + std::to_string(want);
    return false;
  };

  MetaContents m;
  std::string why;
  const ImageSectionInfo& meta = *known[static_cast<uint32_t>(ImageSectionType::kMeta)];
  if (!ParseMeta(image + meta.offset, meta.bytes, &m, &why)) return fail(SectionName(meta.type) + ": " + why);
  auto counts = [](uint64_t slots, uint64_t leaves) {
    return "the meta's " + std::to_string(slots) + " slots and " + std::to_string(leaves) +
           " leaves make";
  };
  if (!sized(ImageSectionType::kV4Direct, kDirectBytes, "expected") ||
      !sized(ImageSectionType::kV6Direct, kDirectBytes, "expected") ||
      !sized(ImageSectionType::kV4Blob, m.v4_slots * 32 + m.v4_leaves, counts(m.v4_slots, m.v4_leaves)) ||
      !sized(ImageSectionType::kV6Blob, m.v6_slots * 32 + m.v6_leaves, counts(m.v6_slots, m.v6_leaves)) ||
      !sized(ImageSectionType::kSmtpPorts, kPortBytes, "expected") ||
      !sized(ImageSectionType::kSubmissionPorts, kPortBytes, "expected"))
    return std::nullopt;

  // The direct arrays are read as uint32_t: aligned in an mmap'ed or
  // malloc'ed image (64-byte offsets); a copy for any other caller's bytes.
  std::vector<uint32_t> direct_copy[2];
  auto direct = [&](ImageSectionType t, int i) {
    const uint8_t* p = at(t);
    if (reinterpret_cast<uintptr_t>(p) % alignof(uint32_t) == 0) return reinterpret_cast<const uint32_t*>(p);
    direct_copy[i].resize(kDirectBytes / sizeof(uint32_t));
    std::memcpy(direct_copy[i].data(), p, kDirectBytes);
    return static_cast<const uint32_t*>(direct_copy[i].data());
  };
  const Ipv4Poptrie::Storage v4{direct(ImageSectionType::kV4Direct, 0), at(ImageSectionType::kV4Blob),
                                m.v4_slots, m.v4_leaves};
  const Ipv6Poptrie::Storage v6{direct(ImageSectionType::kV6Direct, 1), at(ImageSectionType::kV6Blob),
                                m.v6_slots, m.v6_leaves};
  if (!Ipv4Poptrie::ValidateStorage(v4, &why)) return fail("ipv4 table: " + why);
  if (!Ipv6Poptrie::ValidateStorage(v6, &why)) return fail("ipv6 table: " + why);

  auto policy = std::make_unique<CompiledPolicy>(v4, v6);
  policy->generation = m.meta.generation;
  policy->mode = m.mode;
  policy->smtp_flow_rate = m.smtp_flow_rate;
  policy->source = m.meta.source;
  policy->summary = m.summary;
  std::memcpy(policy->smtp_ports.bits().data(), at(ImageSectionType::kSmtpPorts), kPortBytes);
  std::memcpy(policy->submission_ports.bits().data(), at(ImageSectionType::kSubmissionPorts), kPortBytes);
  // Carried as bytes: the dataplane deserializes and checks them against its
  // CPU (generation_image.h); controld only writes them on.
  if (sigs) policy->signature_db.assign(reinterpret_cast<const char*>(image + sigs->offset), sigs->bytes);

  // The digest from the checked CRCs: no second pass over the tables.
  std::sort(sections.begin(), sections.end(), [](const auto& a, const auto& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.bytes < b.bytes;
  });
  out.digest = DigestOf(WholeImageCrc(sections, size, [&](uint64_t from, uint64_t to, uint32_t crc) {
                          return Crc32c(image + from, to - from, crc);
                        }), size);
  out.policy = std::move(policy);
  out.meta = std::move(m.meta);
  return out;
}

}  // namespace spamwall
