// The meta section of a policy image (policy_image.h): JSON that says what
// the image is (PolicyImageMeta), the policy's settings outside its tables,
// and the tables' sizes, which the loader checks the table sections against.
#ifndef SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_META_H_
#define SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_META_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "dataplane/core/compiled_policy.h"
#include "dataplane/core/policy_image.h"

namespace spamwall::image {

struct MetaContents {
  PolicyImageMeta meta;
  PolicyMode mode = PolicyMode::kEnforce;
  uint32_t smtp_flow_rate = 0;
  PolicySummary summary;
  uint64_t v4_slots = 0, v4_leaves = 0, v6_slots = 0, v6_leaves = 0;
};

// The JSON for `policy` with `meta`. Every string is cut to 4096 bytes (at
// a UTF-8 character boundary) and at most 64 cpu features are kept, so
// that what is written always loads; the source is meta.source, or the
// policy's own when that is empty.
std::string MetaJson(const CompiledPolicy& policy, const PolicyImageMeta& meta);

// Parses a meta section; every field must be there with its type (unknown
// keys are a newer writer's and ignored). false with *error (no prefix).
bool ParseMeta(const uint8_t* bytes, size_t n, MetaContents* out, std::string* error);

}  // namespace spamwall::image

#endif  // SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_META_H_
