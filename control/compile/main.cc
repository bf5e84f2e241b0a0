// spamwall-compile POLICY.yaml -o IMAGE [--generation N]: compiles a policy
// file into a generation image (dataplane/core/policy_image.h), the form the
// dataplane boots from (--policy-image) without the YAML compiler. Refusals
// name file:line:col; exit 0 written, 1 cannot write, 2 bad input.
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include "control/policy/policy_loader.h"
#include "dataplane/core/policy_image.h"

namespace {

constexpr char kUsage[] =
    "usage: spamwall-compile POLICY.yaml -o IMAGE [--generation N]\n"
    "  compiles POLICY.yaml into a generation image for spamwall-dataplane --policy-image\n"
    "  (generation 0 unless given: spamwall-controld numbers the generations it pushes)\n";

int Usage(const std::string& why) {
  std::fprintf(stderr, "spamwall-compile: %s\n%s", why.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string policy_path, out;
  uint64_t generation = 0;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "-o" || a == "--generation") {
      if (i + 1 >= argc) return Usage(a + " needs a value");
      const char* v = argv[++i];
      if (a == "-o") {
        out = v;
      } else {
        auto [end, ec] = std::from_chars(v, v + std::strlen(v), generation);
        if (ec != std::errc() || *end != '\0') return Usage("--generation: '" + std::string(v) + "' is not a number");
      }
    } else if (!a.empty() && a[0] == '-') {
      return Usage("unknown argument '" + a + "'");
    } else if (policy_path.empty()) {
      policy_path = a;
    } else {
      return Usage("one policy file at a time ('" + a + "' is a second)");
    }
  }
  if (policy_path.empty() || out.empty()) return Usage("give POLICY.yaml and -o IMAGE");
  spamwall::Diagnostics diag;
  auto policy = spamwall::LoadAndCompile(policy_path, spamwall::CompileOptions{}, &diag);
  for (const auto& w : diag.warnings) std::fprintf(stderr, "warning: %s\n", w.ToString().c_str());
  if (!policy) {
    std::fprintf(stderr, "spamwall-compile: policy %s refused:\n", policy_path.c_str());
    for (const auto& e : diag.errors) std::fprintf(stderr, "  %s\n", e.ToString().c_str());
    return 2;
  }
  spamwall::PolicyImageMeta meta;
  meta.generation = generation;
  meta.origin = "spamwall-compile " + policy_path;
  meta.source = policy_path;
  meta.compiler_version = SPAMWALL_VERSION;
  std::string digest, error;
  if (!spamwall::WritePolicyImageFile(out, *policy, meta, {}, &digest, &error)) {
    std::fprintf(stderr, "spamwall-compile: %s\n", error.c_str());
    return 1;
  }
  std::printf("%s: generation %llu of %s, %s, %zu IPv4 and %zu IPv6 prefixes\n", out.c_str(),
              static_cast<unsigned long long>(generation), policy_path.c_str(), digest.c_str(),
              policy->summary.distinct_prefixes_v4, policy->summary.distinct_prefixes_v6);
  return 0;
}
