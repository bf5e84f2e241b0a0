// The one walker of policy images: every loader, and any tool that lists an
// image's sections, goes through WalkPolicyImage.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dataplane/core/policy_image_format.h"

namespace spamwall {

namespace image {

std::string SectionName(uint32_t type) {
  const char* name = nullptr;
  switch (static_cast<ImageSectionType>(type)) {
    case ImageSectionType::kMeta: name = "meta"; break;
    case ImageSectionType::kV4Direct: name = "ipv4 direct"; break;
    case ImageSectionType::kV4Blob: name = "ipv4 slots"; break;
    case ImageSectionType::kV6Direct: name = "ipv6 direct"; break;
    case ImageSectionType::kV6Blob: name = "ipv6 slots"; break;
    case ImageSectionType::kSmtpPorts: name = "smtp ports"; break;
    case ImageSectionType::kSubmissionPorts: name = "submission ports"; break;
    case ImageSectionType::kSignatures: name = "signatures"; break;
    case ImageSectionType::kControldRecord: name = "controld record"; break;
    case ImageSectionType::kPolicyModel: name = "policy model"; break;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "section 0x%x%s%s%s", type, name ? " (" : "", name ? name : "",
                name ? ")" : "");
  return buf;
}

uint32_t HeaderCrc(const uint8_t* head, uint64_t table_end) {
  Header h;
  std::memcpy(&h, head, sizeof h);
  h.header_crc = 0;
  return Crc32c(head + sizeof h, table_end - sizeof h, Crc32c(&h, sizeof h));
}

std::string DigestOf(uint32_t crc, uint64_t size) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "crc32c:%08x:%zu", crc, static_cast<size_t>(size));
  return buf;
}

}  // namespace image

std::string PolicyImageDigest(const uint8_t* image, size_t size) {
  return image::DigestOf(Crc32c(image, size), size);
}

bool WalkPolicyImage(const uint8_t* image, size_t size, std::vector<ImageSectionInfo>* sections,
                     std::string* error) {
  using namespace image;
  sections->clear();
  auto fail = [&](const std::string& what) {
    *error = "policy image: " + what;
    sections->clear();
    return false;
  };
  char hex[2][16];
  auto crcs = [&](uint32_t stored, uint32_t computed) {
    std::snprintf(hex[0], sizeof hex[0], "%08x", stored);
    std::snprintf(hex[1], sizeof hex[1], "%08x", computed);
    return std::string(" (the table says ") + hex[0] + ", the bytes give " + hex[1] + ")";
  };

  Header h;
  if (size < sizeof h) return fail(std::to_string(size) + " bytes, shorter than its header");
  std::memcpy(&h, image, sizeof h);
  if (std::memcmp(h.magic, kFormat1Magic, sizeof kMagic) == 0)
    return fail("format 1 (written by an older spamwall); this reader reads format " +
                std::to_string(kPolicyImageFormat) + ": compile the policy again");
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0)
    return fail("bad magic (not a spamwall policy image)");
  if (h.format != kPolicyImageFormat)
    return fail("format " + std::to_string(h.format) + "; this reader reads format " +
                std::to_string(kPolicyImageFormat));
  if (h.header_bytes < sizeof h || h.header_bytes > kMaxHeaderBytes || h.header_bytes % 8 != 0)
    return fail("a header of " + std::to_string(h.header_bytes) + " bytes (" +
                std::to_string(sizeof h) + " to " + std::to_string(kMaxHeaderBytes) +
                ", a multiple of 8)");
  if (h.total_bytes != size)
    return fail("header says " + std::to_string(h.total_bytes) + " bytes, image has " +
                std::to_string(size));
  if (h.section_count > kMaxSections)
    return fail(std::to_string(h.section_count) + " sections, more than " +
                std::to_string(kMaxSections));
  const uint64_t table_end = uint64_t{h.header_bytes} + uint64_t{h.section_count} * sizeof(SectionEntry);
  if (table_end > size)
    return fail("the table of " + std::to_string(h.section_count) + " sections runs past the " +
                std::to_string(size) + "-byte image");
  if (const uint32_t crc = HeaderCrc(image, table_end); crc != h.header_crc)
    return fail("header and section table: CRC32C mismatch" + crcs(h.header_crc, crc));

  sections->reserve(h.section_count);
  for (uint32_t i = 0; i < h.section_count; i++) {
    SectionEntry e;
    std::memcpy(&e, image + h.header_bytes + uint64_t{i} * sizeof e, sizeof e);
    const std::string name = SectionName(e.type);
    if (e.offset % kAlign != 0)
      return fail(name + " at offset " + std::to_string(e.offset) + " is not " +
                  std::to_string(kAlign) + "-byte aligned");
    if (e.offset < table_end || e.offset > size || e.bytes > size - e.offset)
      return fail(name + " (" + std::to_string(e.bytes) + " bytes at offset " +
                  std::to_string(e.offset) + ") lies outside the " + std::to_string(size) +
                  "-byte image after its " + std::to_string(table_end) + "-byte section table");
    for (const ImageSectionInfo& s : *sections)
      if (s.type == e.type) return fail(name + " appears twice");
    sections->push_back({e.type, e.flags, e.offset, e.bytes, e.crc32c});
  }
  // Sorted by offset (an empty section before one that starts where it
  // lies), each must end before the next begins.
  std::vector<ImageSectionInfo> by_offset = *sections;
  std::sort(by_offset.begin(), by_offset.end(), [](const auto& a, const auto& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.bytes < b.bytes;
  });
  for (size_t i = 1; i < by_offset.size(); i++)
    if (by_offset[i].offset < by_offset[i - 1].offset + by_offset[i - 1].bytes)
      return fail(SectionName(by_offset[i - 1].type) + " and " + SectionName(by_offset[i].type) +
                  " overlap");
  for (const ImageSectionInfo& s : *sections)
    if (const uint32_t crc = Crc32c(image + s.offset, s.bytes); crc != s.crc32c)
      return fail(SectionName(s.type) + ": CRC32C mismatch" + crcs(s.crc32c, crc));
  return true;
}

}  // namespace spamwall
