#include "dataplane/app/boot_policy.h"

#include <cstdio>

#include "dataplane/app/generation_image.h"

namespace spamwall {

std::unique_ptr<CompiledPolicy> SafeStatePolicy() {
  auto p = std::make_unique<CompiledPolicy>(std::vector<PoptriePrefix>{},
                                            std::vector<PoptriePrefix>{}, 1);
  p->mode = PolicyMode::kMonitor;
  p->source = "(safe state: no usable policy)";
  return p;
}

BootPolicy ChooseBootPolicy(const std::string& image_path, const std::string& yaml_path,
                            const CompileYaml& compile, bool allow_safe_state) {
  BootPolicy b;
  auto refused = [&](const std::string& why) {
    std::fprintf(stderr, "spamwall-dataplane: %s\n", why.c_str());
    b.refusal += (b.refusal.empty() ? "" : "\n") + why;
  };
  if (!image_path.empty()) {
    std::string error;
    std::optional<LoadedPolicyImage> img = LoadGenerationImageFile(image_path, &error);
    if (img) {
      b.policy = std::move(img->policy);
      b.generation = img->meta.generation;
      b.id.digest = img->digest;
      b.id.origin = "--policy-image " + image_path;
      std::fprintf(stderr, "spamwall-dataplane: booting generation %llu from %s (%s)\n",
                   static_cast<unsigned long long>(b.generation), image_path.c_str(),
                   b.id.digest.c_str());
      return b;
    }
    refused("boot image refused: " + error);
  }
  if (!yaml_path.empty()) {
    std::string refusal;
    b.policy = compile(yaml_path, &refusal);
    if (b.policy) {
      b.id.origin = "--policy " + yaml_path;
      return b;
    }
    refused(refusal);
  }
  if (!allow_safe_state) return b;
  b.policy = SafeStatePolicy();
  b.id.origin = "safe state";
  b.id.safe_state = b.refusal.empty() ? "no --policy-image or --policy given" : b.refusal;
  std::fprintf(stderr,
               "spamwall-dataplane: *** SAFE STATE ***: no usable policy; forwarding every "
               "packet with monitor semantics (nothing is dropped) until spamwall-controld "
               "pushes a generation\n");
  return b;
}

}  // namespace spamwall
