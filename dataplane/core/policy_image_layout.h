// Where every byte of a policy image goes: the one layout behind
// BuildPolicyImage, CreatePolicyImageFd and WritePolicyImageFile, which then
// only copy or pwrite what it says. Internal to the image code.
#ifndef SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_LAYOUT_H_
#define SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_LAYOUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/core/policy_image.h"

namespace spamwall::image {

// A section's bytes where they lie in the writer's memory, and its place.
struct Piece {
  const uint8_t* data;
  ImageSectionInfo at;
};

// Not movable: pieces point into meta_json.
struct Layout {
  Layout() = default;
  Layout(const Layout&) = delete;
  Layout& operator=(const Layout&) = delete;

  std::string meta_json;      // the meta section
  std::vector<uint8_t> head;  // header and section table, at offset 0
  std::vector<Piece> pieces;  // in offset order; what lies between them is zeros
  uint64_t total = 0;
  uint32_t image_crc = 0;     // of the whole image: its digest
};

// Lays out `policy` with `meta` and `extra`, computing every CRC. Refuses
// (*error) an extra section of a dataplane type (< 0x100), a type given
// twice, too many sections, and an image over kMaxPolicyImageBytes.
bool LayOut(const CompiledPolicy& policy, const PolicyImageMeta& meta,
            const std::vector<ImageExtraSection>& extra, Layout* out, std::string* error);

}  // namespace spamwall::image

#endif  // SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_LAYOUT_H_
