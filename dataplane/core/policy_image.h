// A compiled policy as one flat byte image, the form in which controld hands
// a policy it compiled to the running dataplane: controld writes the image
// into a sealed memfd and passes the descriptor over the control socket; the
// dataplane maps it, checks it (it trusts nothing it did not build), and
// copies the tables into its own memory. Same machine, same build, so the
// fields are in host byte order; the header says which format and sizes.
//
//   header (PolicyImageHeader)
//   sections, each at a 64-byte aligned offset:
//     IPv4 direct array, IPv4 slots+runs, IPv6 direct array, IPv6 slots+runs,
//     smtp port bits, submission port bits, source path (UTF-8)
#ifndef SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_H_
#define SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "dataplane/core/compiled_policy.h"

namespace spamwall {

constexpr uint32_t kPolicyImageFormat = 1;

// Writes the image of `policy` into a new memfd, sealed against any change,
// and returns the descriptor (-1 with *error on failure).
int CreatePolicyImageFd(const CompiledPolicy& policy, std::string* error);

// Maps, checks and copies in the image behind `fd`. Refuses (nullptr and
// *error naming the problem) an unsealed memfd, a short or oversized image,
// a foreign format, and tables whose lookups could leave their bounds.
std::unique_ptr<CompiledPolicy> LoadPolicyImageFd(int fd, std::string* error);

// The same on an image in memory (tests, fuzzing).
std::unique_ptr<CompiledPolicy> LoadPolicyImage(const uint8_t* image, size_t size,
                                                std::string* error);
// Bytes of the image of `policy`, and the image itself into out[0..size).
size_t PolicyImageSize(const CompiledPolicy& policy);
void WritePolicyImage(const CompiledPolicy& policy, uint8_t* out, size_t size);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_H_
