// A compiled generation as one flat, sectioned byte image (format 2): the
// form in which controld hands a policy it compiled to the running dataplane
// (a sealed memfd passed over the control socket), keeps every accepted
// generation on disk (state_dir/generations/<N>.img), and from which the
// dataplane boots (--policy-image). The reader trusts nothing it did not
// build: every section is bounds-checked and CRC32C-checked, and the lookup
// tables are validated (Poptrie::ValidateStorage) before they are copied in.
// Same machine, same build, so fields are in host byte order.
//
//   header (magic "SWGENIMG", format, section count, total bytes, header CRC)
//   section table: per section type, flags (required/optional), offset,
//                  length, CRC32C of its bytes
//   sections, each at a 64-byte aligned offset
//
// Section types below 0x100 belong to the dataplane (tables, ports, meta,
// the signature database when the policy has one);
// 0x100 and up are carried for other readers (controld's record of the
// generation, the policy model it was compiled from) and kept as opaque
// bytes. A reader skips an unknown optional section and refuses an unknown
// required one, naming its type, so that a newer writer can add optional
// sections without making older images "foreign".
#ifndef SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_H_
#define SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/core/compiled_policy.h"

namespace spamwall {

constexpr uint32_t kPolicyImageFormat = 2;
// Larger images are refused before they are mapped (a 1M-prefix policy with
// its model is well under 256 MiB).
constexpr uint64_t kMaxPolicyImageBytes = uint64_t{4} << 30;

enum class ImageSectionType : uint32_t {
  kMeta = 1,             // JSON: PolicyImageMeta, mode, flow rate, summary
  kV4Direct = 2,
  kV4Blob = 3,
  kV6Direct = 4,
  kV6Blob = 5,
  kSmtpPorts = 6,
  kSubmissionPorts = 7,
  // The signature database (CompiledPolicy::signature_db: "SWSIGDB1", its
  // CRC, the signatures and both Hyperscan databases, signatures/serialize.h),
  // present only when the policy names signature files. Required: a reader
  // that cannot scan must not run a generation as if it had no signatures.
  // The core carries its bytes; the dataplane checks them against its CPU
  // before the generation can go live (dataplane/app/generation_image.h).
  kSignatures = 8,
  // 0x100 and up: opaque to the dataplane.
  kControldRecord = 0x100,  // JSON: who pushed it, when, the overlay, warnings
  kPolicyModel = 0x101,     // the policy model it was compiled from (policy_snapshot.h)
};

constexpr uint32_t kSectionRequired = 1;  // flags bit: a reader that does not know it must refuse

// What the image says about itself (the JSON meta section).
struct PolicyImageMeta {
  uint64_t generation = 0;
  std::string origin;            // who or what made it ("spamwall-controld push by alice")
  std::string source;            // the policy file it was compiled from
  std::string created_at;        // ISO 8601 UTC
  std::string compiler_version;  // spamwall version that compiled it
  std::vector<std::string> cpu_features;  // needed to run it (none today)
};

// A section the core does not interpret, carried as bytes.
struct ImageExtraSection {
  uint32_t type = 0;
  uint32_t flags = 0;
  std::string bytes;
};

// A loaded image: the policy (policy->generation == meta.generation), its
// meta, every section of type >= 0x100 it carried, and its digest.
struct LoadedPolicyImage {
  std::unique_ptr<CompiledPolicy> policy;
  PolicyImageMeta meta;
  std::vector<ImageExtraSection> extra;
  std::string digest;  // PolicyImageDigest of the whole image
};

// "crc32c:XXXXXXXX:SIZE" of an image's bytes: what a load names to make a
// repeat recognisable (not a security measure: the fd is sealed, the file
// is root's).
std::string PolicyImageDigest(const uint8_t* image, size_t size);

// The image of `policy` with `meta` and `extra` (types >= 0x100) in memory.
// The meta's source is the policy's own when meta.source is empty; strings
// are cut to 4096 bytes. Empty (an image no reader takes) when `extra`
// holds a type below 0x100 or one type twice; the other writers say why.
std::vector<uint8_t> BuildPolicyImage(const CompiledPolicy& policy, const PolicyImageMeta& meta,
                                      const std::vector<ImageExtraSection>& extra);

// Writes the image into a new memfd, sealed against any change, and returns
// the descriptor (-1 with *error on failure); *digest is its digest.
int CreatePolicyImageFd(const CompiledPolicy& policy, const PolicyImageMeta& meta,
                        const std::vector<ImageExtraSection>& extra, std::string* digest,
                        std::string* error);

// Writes the image to `path` atomically: a temporary file in the same
// directory (O_EXCL, O_NOFOLLOW, mode 0640), fsync, rename, fsync of the
// directory. On failure (a full disk) nothing is left behind and *error
// names the path and the reason.
bool WritePolicyImageFile(const std::string& path, const CompiledPolicy& policy,
                          const PolicyImageMeta& meta, const std::vector<ImageExtraSection>& extra,
                          std::string* digest, std::string* error);

// Maps, checks and copies in the image behind a sealed memfd. Refuses (and
// *error names the problem) an unsealed descriptor, a short, oversized or
// corrupt image, a foreign format, an unknown required section, and tables
// whose lookups could leave their bounds.
std::optional<LoadedPolicyImage> LoadPolicyImageFd(int fd, std::string* error);

// The same from a regular file (the boot image). Refuses what is not a
// regular file (a FIFO, a device) before reading it, and files over
// kMaxPolicyImageBytes.
std::optional<LoadedPolicyImage> LoadPolicyImageFile(const std::string& path, std::string* error);

// The same on an image in memory (tests, fuzzing).
std::optional<LoadedPolicyImage> LoadPolicyImage(const uint8_t* image, size_t size,
                                                 std::string* error);

// One section's place in an image, as the section table says (tests, tools).
struct ImageSectionInfo {
  uint32_t type = 0;
  uint32_t flags = 0;
  uint64_t offset = 0;
  uint64_t bytes = 0;
  uint32_t crc32c = 0;
};
// The walker every reader uses: checks header, table, bounds, alignment and
// CRCs, and returns the table; false with *error naming the section.
bool WalkPolicyImage(const uint8_t* image, size_t size, std::vector<ImageSectionInfo>* sections,
                     std::string* error);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_POLICY_IMAGE_H_
