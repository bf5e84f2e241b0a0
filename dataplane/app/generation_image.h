// A generation image as the dataplane runs it: the core's checks
// (policy_image.h: structure, CRCs, tables), then the signature section
// deserialized into the engine and checked against this CPU
// (signatures/serialize.h: hs_valid_platform, each database's platform,
// version, CRC). Every image the dataplane takes (--policy-image at boot,
// policy.load from controld) comes through here, before it can be
// published: an image this process could not scan with is refused whole,
// and the running generation stays.
#ifndef SPAMWALL_DATAPLANE_APP_GENERATION_IMAGE_H_
#define SPAMWALL_DATAPLANE_APP_GENERATION_IMAGE_H_

#include <optional>
#include <string>

#include "dataplane/core/compiled_policy.h"
#include "dataplane/core/policy_image.h"

namespace spamwall {

// Sets policy->signatures from policy->signature_db (nothing to do when it
// is empty or already set); false with *error ("policy image: signatures
// section: ...") when the bytes are not a database this process can run.
bool LoadGenerationSignatures(CompiledPolicy* policy, std::string* error);

std::optional<LoadedPolicyImage> LoadGenerationImageFd(int fd, std::string* error);
std::optional<LoadedPolicyImage> LoadGenerationImageFile(const std::string& path, std::string* error);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_GENERATION_IMAGE_H_
