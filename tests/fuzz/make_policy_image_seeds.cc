// Writes the seed corpus of policy_image_fuzz (tests/fuzz/README.md):
//   policy_image_seeds OUT_DIR POLICY.yaml...
// For each policy, its compiled image (WritePolicyImage) as image-<name>;
// an empty policy as image-empty; and refusals: a header alone, a bad magic,
// an image shorter than its header, and the first image with a direct entry
// pointing past its slots. Compiled as of a fixed day, so the seeds do not
// change with the date.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "control/policy/policy_loader.h"
#include "dataplane/core/policy_image.h"

namespace {

std::vector<uint8_t> Image(const spamwall::CompiledPolicy& p) {
  std::vector<uint8_t> out(spamwall::PolicyImageSize(p));
  spamwall::WritePolicyImage(p, out.data(), out.size());
  return out;
}

void Write(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  std::printf("%s: %zu bytes\n", path.c_str(), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: policy_image_seeds OUT_DIR POLICY.yaml...\n");
    return 2;
  }
  const std::filesystem::path out = argv[1];
  std::filesystem::create_directories(out);
  spamwall::CompileOptions opts;
  spamwall::ParseDay("2025-01-01", &opts.today);
  std::vector<uint8_t> first;
  for (int i = 2; i < argc; i++) {
    spamwall::Diagnostics diag;
    auto p = spamwall::LoadAndCompile(argv[i], opts, &diag);
    if (!p) {
      std::fprintf(stderr, "%s does not compile\n", argv[i]);
      return 1;
    }
    std::vector<uint8_t> image = Image(*p);
    // Named after the policy's directory and file: fixtures-policy, examples-policy.
    const std::filesystem::path path = std::filesystem::absolute(argv[i]);
    Write(out / ("image-" + path.parent_path().filename().string() + "-" + path.stem().string()), image);
    if (first.empty()) first = image;
  }
  spamwall::Diagnostics diag;
  auto parsed = spamwall::LoadPolicyText("version: 1\n", "empty.yaml", "", &diag);
  auto empty = parsed ? spamwall::CompilePolicy(*parsed, opts, &diag) : nullptr;
  if (!empty) {
    std::fprintf(stderr, "the empty policy does not compile\n");
    return 1;
  }
  Write(out / "image-empty", Image(*empty));

  Write(out / "image-header-only", std::vector<uint8_t>(first.begin(), first.begin() + 512));
  std::vector<uint8_t> bad(first.begin(), first.begin() + 512);
  bad[0] ^= 0x20;
  Write(out / "image-bad-magic", bad);
  Write(out / "image-short", std::vector<uint8_t>(first.begin(), first.begin() + 100));
  // Header: magic[8] format header_bytes total(8) mode reserved[3] flow_rate,
  // then sections {offset, bytes}: v4_direct at 32, ...; v4_slots at 144.
  uint64_t v4_direct, v4_slots;
  std::memcpy(&v4_direct, first.data() + 32, 8);
  std::memcpy(&v4_slots, first.data() + 144, 8);
  bad = first;
  for (size_t d = 0; d < 65536; d++) {
    uint32_t e;
    std::memcpy(&e, bad.data() + v4_direct + 4 * d, 4);
    if (e & 0x80000000u) continue;
    e = static_cast<uint32_t>(v4_slots - 2);  // a 4-slot node past the end
    std::memcpy(bad.data() + v4_direct + 4 * d, &e, 4);
    break;
  }
  Write(out / "image-bad-direct", bad);
  return 0;
}
