#include "control/controld/policy_source.h"

#include "control/policy/policy_loader.h"

namespace spamwall::controld {

std::optional<Policy> LoadBundle(const api::FileBundle& b, Diagnostics* diag,
                                 std::vector<std::string>* referenced) {
  PolicySources sources;
  for (const auto& f : b.files) sources.emplace(f.path, f.bytes);
  return LoadPolicySources(b.files[0].path, sources, diag, referenced);
}

std::optional<Policy> LoadOwnPolicy(const std::string& path, Diagnostics* diag) {
  api::FileBundle b;
  std::string error;
  if (!api::AddFile(path, &b, &error, /*follow_links=*/false)) {
    diag->errors.push_back({path, 0, 0, "cannot read policy file: " + error});
    return std::nullopt;
  }
  // What it references is known once it is parsed: a first pass for the
  // names, then the files, then the load that counts.
  Diagnostics names;
  std::vector<std::string> referenced;
  LoadBundle(b, &names, &referenced);
  for (const auto& f : referenced)
    if (!api::AddFile(f, &b, &error, /*follow_links=*/false)) diag->errors.push_back({path, 0, 0, error});
  if (!diag->ok()) return std::nullopt;
  return LoadBundle(b, diag);
}

}  // namespace spamwall::controld
