// The bytes of a format-2 policy image (policy_image.h): the header and
// section table the writer lays out and the walker checks, and the sizes of
// the dataplane's sections. Internal to the image code.
#ifndef SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_FORMAT_H_
#define SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_FORMAT_H_

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "dataplane/core/crc32c.h"
#include "dataplane/core/policy_image.h"

namespace spamwall::image {

constexpr char kMagic[8] = {'S', 'W', 'G', 'E', 'N', 'I', 'M', 'G'};
constexpr char kFormat1Magic[8] = {'S', 'W', 'P', 'O', 'L', 'I', 'M', 'G'};  // named in its refusal
constexpr uint64_t kAlign = 64;  // sections: cache lines, and the direct arrays read as uint32_t
// Bounds that keep the walk of a hostile table short.
constexpr uint32_t kMaxSections = 256;
constexpr uint32_t kMaxHeaderBytes = 4096;

struct Header {
  char magic[8];
  uint32_t format;
  uint32_t header_bytes;   // where the section table starts; a newer writer may grow the header
  uint32_t section_count;
  uint32_t header_crc;     // CRC32C of the header (this field as zero) and the section table
  uint64_t total_bytes;
};
static_assert(sizeof(Header) == 32 && std::is_trivially_copyable_v<Header>);

struct SectionEntry {
  uint32_t type;
  uint32_t flags;
  uint64_t offset;  // kAlign-aligned, past the section table
  uint64_t bytes;
  uint32_t crc32c;
  uint32_t reserved;
};
static_assert(sizeof(SectionEntry) == 32 && std::is_trivially_copyable_v<SectionEntry>);

constexpr uint64_t kDirectBytes = sizeof(uint32_t) << 16;  // Poptrie::kDirectBits
constexpr uint64_t kPortBytes = sizeof(uint64_t) * 1024;   // PortSet::bits()
constexpr size_t kMaxStringBytes = 4096;                   // source, origin, ... in the meta
constexpr uint64_t kMaxMetaBytes = 4 << 20;

inline uint64_t AlignUp(uint64_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }

// "section 0x3 (ipv4 slots)": how every message names a section.
std::string SectionName(uint32_t type);

// The header CRC of an image whose header and table are the first
// table_end bytes of `head`.
uint32_t HeaderCrc(const uint8_t* head, uint64_t table_end);

// The CRC32C of a whole image of `total` bytes from its sections' CRCs
// (sorted by offset, not overlapping): only the bytes between sections are
// read, by gap(from, to, crc), which continues crc over [from, to).
template <typename Gap>
uint32_t WholeImageCrc(const std::vector<ImageSectionInfo>& by_offset, uint64_t total, Gap gap) {
  uint32_t crc = 0;
  uint64_t at = 0;
  for (const ImageSectionInfo& s : by_offset) {
    crc = Crc32cCombine(gap(at, s.offset, crc), s.crc32c, s.bytes);
    at = s.offset + s.bytes;
  }
  return gap(at, total, crc);
}

std::string DigestOf(uint32_t crc, uint64_t size);  // "crc32c:%08x:%zu"

}  // namespace spamwall::image

#endif  // SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_FORMAT_H_
