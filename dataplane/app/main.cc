// spamwall-dataplane: see options.h for the command line, README.md for use.
// The composition root: the only dataplane file that reaches the YAML policy
// compiler (control/policy), handed to the runtime as a function so that the
// runtime library links only the core and the IPC layer.
#include <cstdio>

#include "control/policy/policy_loader.h"
#include "dataplane/app/boot_policy.h"
#include "dataplane/app/live_mode.h"
#include "dataplane/app/offline_mode.h"
#include "dataplane/app/options.h"

namespace {

// Loads and compiles a policy file, printing its warnings; on refusal every
// error as file:line:col.
std::unique_ptr<spamwall::CompiledPolicy> CompileYamlPolicy(const std::string& path,
                                                            std::string* refusal) {
  spamwall::Diagnostics diag;
  auto policy = spamwall::LoadAndCompile(path, spamwall::CompileOptions{}, &diag);
  for (const auto& w : diag.warnings) std::fprintf(stderr, "warning: %s\n", w.ToString().c_str());
  if (!policy) {
    *refusal = "policy " + path + " refused:";
    for (const auto& e : diag.errors) *refusal += "\n  " + e.ToString();
  }
  return policy;
}

}  // namespace

int main(int argc, char** argv) {
  spamwall::Options options;
  std::string error;
  if (!spamwall::ParseOptions(argc, argv, &options, &error)) {
    if (error == "help") {
      std::fputs(spamwall::kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "spamwall-dataplane: %s\n%s", error.c_str(), spamwall::kUsage);
    return 2;
  }
  spamwall::BootPolicy boot = spamwall::ChooseBootPolicy(
      options.policy_image, options.policy, CompileYamlPolicy, !options.offline);
  return options.offline ? spamwall::RunOffline(options, argv[0], std::move(boot))
                         : spamwall::RunLive(options, argv[0], std::move(boot));
}
