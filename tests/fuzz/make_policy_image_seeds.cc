// Writes the seed corpus of policy_image_fuzz (tests/fuzz/README.md):
//   policy_image_seeds OUT_DIR POLICY.yaml...
// For each policy, its format-2 image (BuildPolicyImage) as image-<name>;
// an empty policy with a controld record and a policy model as image-empty;
// the first image with an unknown optional section, which loads; and
// refusals: a header alone, a bad magic, a format-1 magic, an image
// shorter than its header, the first image with a direct entry pointing
// past its slots (CRCs right), with a flipped byte in its IPv4 slots (a bad
// section CRC), and small images with an unknown required section and
// with overlapping sections. Compiled as of a fixed day, with a fixed
// meta, so the seeds do not change with the date. Also an empty policy
// with a signatures section (opaque bytes to the core), and with it twice.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "control/policy/policy_loader.h"
#include "dataplane/core/policy_image.h"
#include "dataplane/core/policy_image_test_util.h"

namespace {

using spamwall::ImageSectionType;
using spamwall::kSectionRequired;
using spamwall::testing_util::Assemble;
using spamwall::testing_util::EntryOf;
using spamwall::testing_util::RawSection;
using spamwall::testing_util::SectionsOf;
using spamwall::testing_util::SetEntry;

spamwall::PolicyImageMeta Meta(uint64_t generation, const std::string& source) {
  spamwall::PolicyImageMeta m;
  m.generation = generation;
  m.origin = "policy_image_seeds";
  m.source = source;
  m.created_at = "2025-01-01T00:00:00Z";
  m.compiler_version = "policy_image_seeds";
  return m;
}

void Write(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  std::printf("%s: %zu bytes\n", path.c_str(), bytes.size());
}

uint32_t Type(ImageSectionType t) { return static_cast<uint32_t>(t); }

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
    std::vector<uint8_t> image = spamwall::BuildPolicyImage(*p, Meta(i - 1, argv[i]), {});
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
  const std::vector<spamwall::ImageExtraSection> extra = {
      {Type(ImageSectionType::kControldRecord), 0, R"({"pushed_by":"seeds","warnings":[]})"},
      {Type(ImageSectionType::kPolicyModel), kSectionRequired, "version: 1\n"}};
  Write(out / "image-empty", spamwall::BuildPolicyImage(*empty, Meta(9, "empty.yaml"), extra));
  // A signatures section: opaque bytes to the core (the dataplane's
  // generation_image.h deserializes them), carried and rebuilt the same.
  empty->signature_db = std::string("SWSIGDB1\x01\0\0\0", 12) + std::string(52, '\x5a');
  const std::vector<uint8_t> with_sigs = spamwall::BuildPolicyImage(*empty, Meta(10, "empty.yaml"), {});
  Write(out / "image-signatures", with_sigs);
  std::vector<RawSection> twice = SectionsOf(with_sigs);
  twice.push_back(twice.back());  // the signatures section again
  Write(out / "image-signatures-twice", Assemble(twice));
  empty->signature_db.clear();

  const std::vector<RawSection> sections = SectionsOf(first);
  const size_t head = 32 + sections.size() * 32;
  Write(out / "image-header-only", std::vector<uint8_t>(first.begin(), first.begin() + head));
  std::vector<uint8_t> bad(first.begin(), first.begin() + head);
  bad[0] ^= 0x20;
  Write(out / "image-bad-magic", bad);
  std::memcpy(bad.data(), "SWPOLIMG", 8);
  Write(out / "image-format-1", bad);
  Write(out / "image-short", std::vector<uint8_t>(first.begin(), first.begin() + 20));

  // A direct entry that is a node pointing past the slots, CRCs right: the
  // table check refuses it.
  std::vector<RawSection> raw = sections;
  const uint64_t v4_slots = (raw[2].bytes.size()) / 32;  // an upper bound: past it is past the end
  for (size_t d = 0; d < 65536; d++) {
    uint32_t e;
    std::memcpy(&e, raw[1].bytes.data() + 4 * d, 4);
    if (e & 0x80000000u) continue;
    e = static_cast<uint32_t>(v4_slots);
    std::memcpy(raw[1].bytes.data() + 4 * d, &e, 4);
    break;
  }
  Write(out / "image-bad-direct", Assemble(raw));

  bad = first;
  bad[EntryOf(first, 2).offset + 40] ^= 0x01;  // in the IPv4 slots, the table's CRC as it was
  Write(out / "image-bad-crc", bad);

  raw = sections;
  raw.push_back({0x42, 0, "a newer writer's optional section"});
  Write(out / "image-unknown-optional", Assemble(raw));

  // Small: these refusals come before the tables matter.
  raw = {sections[0], {0x43, kSectionRequired, "a newer writer's required section"}};
  Write(out / "image-unknown-required", Assemble(raw));
  raw = {sections[0], {Type(ImageSectionType::kSmtpPorts), kSectionRequired, std::string(8192, '\0')},
         {Type(ImageSectionType::kSubmissionPorts), kSectionRequired, std::string(8192, '\0')}};
  bad = Assemble(raw);
  auto e = EntryOf(bad, 2);
  e.offset = EntryOf(bad, 1).offset + 4096;
  SetEntry(&bad, 2, e);
  Write(out / "image-overlap", bad);
  return 0;
}
