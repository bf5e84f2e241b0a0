// Images made by hand from sections, for the tests and the fuzz seeds: what
// the writer would never produce (unknown, missing, overlapping or
// corrupted sections) with CRCs that are right unless a test breaks them.
#ifndef SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_TEST_UTIL_H_
#define SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_TEST_UTIL_H_

#include <cstring>
#include <string>
#include <vector>

#include "dataplane/core/policy_image.h"
#include "dataplane/core/policy_image_format.h"

namespace spamwall::testing_util {

struct RawSection {
  uint32_t type = 0;
  uint32_t flags = 0;
  std::string bytes;
};

// An image's sections in table order (none if it does not walk).
inline std::vector<RawSection> SectionsOf(const std::vector<uint8_t>& img) {
  std::vector<ImageSectionInfo> info;
  std::string error;
  std::vector<RawSection> out;
  if (!WalkPolicyImage(img.data(), img.size(), &info, &error)) return out;
  for (const auto& s : info)
    out.push_back({s.type, s.flags, std::string(reinterpret_cast<const char*>(img.data() + s.offset), s.bytes)});
  return out;
}

// The sections laid out as the writer does, every CRC right.
inline std::vector<uint8_t> Assemble(const std::vector<RawSection>& sections) {
  using namespace image;
  const uint64_t table_end = sizeof(Header) + sections.size() * sizeof(SectionEntry);
  std::vector<SectionEntry> entries;
  uint64_t at = table_end;
  for (const auto& s : sections) {
    const uint64_t off = AlignUp(at);
    entries.push_back({s.type, s.flags, off, s.bytes.size(), Crc32c(s.bytes.data(), s.bytes.size()), 0});
    at = off + s.bytes.size();
  }
  std::vector<uint8_t> img(at);
  for (size_t i = 0; i < sections.size(); i++) {
    std::memcpy(img.data() + sizeof(Header) + i * sizeof(SectionEntry), &entries[i], sizeof(SectionEntry));
    std::memcpy(img.data() + entries[i].offset, sections[i].bytes.data(), sections[i].bytes.size());
  }
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.format = kPolicyImageFormat;
  h.header_bytes = sizeof h;
  h.section_count = static_cast<uint32_t>(sections.size());
  h.total_bytes = img.size();
  std::memcpy(img.data(), &h, sizeof h);
  h.header_crc = HeaderCrc(img.data(), table_end);
  std::memcpy(img.data(), &h, sizeof h);
  return img;
}

inline image::SectionEntry EntryOf(const std::vector<uint8_t>& img, size_t i) {
  image::SectionEntry e;
  std::memcpy(&e, img.data() + sizeof(image::Header) + i * sizeof e, sizeof e);
  return e;
}

// Rewrites table entry i and the header CRC, as a writer that got the
// table wrong would.
inline void SetEntry(std::vector<uint8_t>* img, size_t i, const image::SectionEntry& e) {
  using namespace image;
  std::memcpy(img->data() + sizeof(Header) + i * sizeof e, &e, sizeof e);
  Header h;
  std::memcpy(&h, img->data(), sizeof h);
  h.header_crc = HeaderCrc(img->data(), h.header_bytes + uint64_t{h.section_count} * sizeof e);
  std::memcpy(img->data(), &h, sizeof h);
}

}  // namespace spamwall::testing_util

#endif  // SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_TEST_UTIL_H_
