#include "dataplane/core/policy_image_layout.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dataplane/core/policy_image_format.h"
#include "dataplane/core/policy_image_meta.h"

namespace spamwall::image {

namespace {

constexpr uint8_t kZeros[kAlign] = {};

// The CRC over [from, to) of an image whose first head.size() bytes are
// `head` and whose other bytes outside the pieces are zeros.
uint32_t GapCrc(const std::vector<uint8_t>& head, uint64_t from, uint64_t to, uint32_t crc) {
  if (from < head.size()) {
    const uint64_t upto = std::min<uint64_t>(to, head.size());
    crc = Crc32c(head.data() + from, upto - from, crc);
    from = upto;
  }
  for (; from < to; from += std::min<uint64_t>(to - from, sizeof kZeros))
    crc = Crc32c(kZeros, std::min<uint64_t>(to - from, sizeof kZeros), crc);
  return crc;
}

}  // namespace

bool LayOut(const CompiledPolicy& policy, const PolicyImageMeta& meta,
            const std::vector<ImageExtraSection>& extra, Layout* out, std::string* error) {
  constexpr uint32_t kRequired = kSectionRequired;
  const bool sigs = !policy.signature_db.empty();
  const size_t count = 7 + (sigs ? 1 : 0) + extra.size();
  if (count > kMaxSections) {
    *error = "policy image: " + std::to_string(count) + " sections, more than " +
             std::to_string(kMaxSections);
    return false;
  }
  for (size_t i = 0; i < extra.size(); i++) {
    if (extra[i].type < 0x100) {
      *error = "policy image: extra " + SectionName(extra[i].type) +
               " has a type below 0x100 (the dataplane's own)";
      return false;
    }
    for (size_t k = 0; k < i; k++)
      if (extra[k].type == extra[i].type) {
        *error = "policy image: extra " + SectionName(extra[i].type) + " given twice";
        return false;
      }
  }

  out->meta_json = MetaJson(policy, meta);
  const auto v4 = policy.v4.storage();
  const auto v6 = policy.v6.storage();
  auto bytes_of = [](const void* p) { return static_cast<const uint8_t*>(p); };
  out->pieces.clear();
  out->pieces.reserve(count);
  auto add = [&](ImageSectionType type, const void* data, uint64_t bytes) {
    out->pieces.push_back({bytes_of(data), {static_cast<uint32_t>(type), kRequired, 0, bytes, 0}});
  };
  add(ImageSectionType::kMeta, out->meta_json.data(), out->meta_json.size());
  add(ImageSectionType::kV4Direct, v4.direct, kDirectBytes);
  add(ImageSectionType::kV4Blob, v4.blob, uint64_t{v4.slot_count} * 32 + v4.leaf_count);
  add(ImageSectionType::kV6Direct, v6.direct, kDirectBytes);
  add(ImageSectionType::kV6Blob, v6.blob, uint64_t{v6.slot_count} * 32 + v6.leaf_count);
  add(ImageSectionType::kSmtpPorts, policy.smtp_ports.bits().data(), kPortBytes);
  add(ImageSectionType::kSubmissionPorts, policy.submission_ports.bits().data(), kPortBytes);
  if (sigs) add(ImageSectionType::kSignatures, policy.signature_db.data(), policy.signature_db.size());
  for (const ImageExtraSection& e : extra)
    out->pieces.push_back({bytes_of(e.bytes.data()), {e.type, e.flags, 0, e.bytes.size(), 0}});

  const uint64_t table_end = sizeof(Header) + count * sizeof(SectionEntry);
  uint64_t at = table_end;
  for (Piece& p : out->pieces) {
    p.at.offset = AlignUp(at);
    p.at.crc32c = Crc32c(p.data, p.at.bytes);
    at = p.at.offset + p.at.bytes;
  }
  out->total = at;
  if (out->total > kMaxPolicyImageBytes) {
    *error = "policy image: " + std::to_string(out->total) + " bytes, more than the " +
             std::to_string(kMaxPolicyImageBytes) + " a reader takes";
    return false;
  }

  out->head.assign(table_end, 0);
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.format = kPolicyImageFormat;
  h.header_bytes = sizeof h;
  h.section_count = static_cast<uint32_t>(count);
  h.total_bytes = out->total;
  for (size_t i = 0; i < count; i++) {
    const ImageSectionInfo& s = out->pieces[i].at;
    const SectionEntry e{s.type, s.flags, s.offset, s.bytes, s.crc32c, 0};
    std::memcpy(out->head.data() + sizeof h + i * sizeof e, &e, sizeof e);
  }
  std::memcpy(out->head.data(), &h, sizeof h);
  h.header_crc = HeaderCrc(out->head.data(), table_end);
  std::memcpy(out->head.data(), &h, sizeof h);

  std::vector<ImageSectionInfo> by_offset;
  by_offset.reserve(count);
  for (const Piece& p : out->pieces) by_offset.push_back(p.at);
  out->image_crc = WholeImageCrc(by_offset, out->total, [&](uint64_t from, uint64_t to, uint32_t crc) {
    return GapCrc(out->head, from, to, crc);
  });
  return true;
}

}  // namespace spamwall::image
