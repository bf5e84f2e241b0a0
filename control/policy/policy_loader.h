// Policy text -> validated policy -> compiled policy.
//
//   LoadPolicyFile  parses YAML (schema version 1), follows {file: ...} lists,
//                   validates, and reports every problem with file:line:col.
//   CompilePolicy   builds the immutable CompiledPolicy (see compiled_policy.h),
//                   dropping expired exemptions with a warning.
//   LoadAndCompile  both: what the dataplane, the tools and the tests call.
#ifndef SPAMWALL_CONTROL_POLICY_POLICY_LOADER_H_
#define SPAMWALL_CONTROL_POLICY_POLICY_LOADER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/policy/policy.h"
#include "dataplane/core/compiled_policy.h"

namespace spamwall {

// Parses and validates. Returns nullopt when diag->errors is non-empty.
// `{file: x}` lists are read relative to the policy file's directory.
std::optional<Policy> LoadPolicyFile(const std::string& path, Diagnostics* diag);

// Same from text in memory (fuzzing, tests); `name` is used in messages and
// `base_dir` resolves {file: x} lists (empty: such lists are refused).
std::optional<Policy> LoadPolicyText(std::string_view text, const std::string& name,
                                     const std::string& base_dir, Diagnostics* diag);

// A policy and the files it references as bytes in memory, by absolute,
// lexically normal path: what a client sent (controld never opens a path a
// client names).
using PolicySources = std::map<std::string, std::string_view>;

// As LoadPolicyFile, with `path` and every {file: x} and signature it names
// taken from `sources` (one that is not there is an error naming it).
// *referenced (when given) gets every path the policy names, found or not:
// how a client learns what to send.
std::optional<Policy> LoadPolicySources(const std::string& path, const PolicySources& sources,
                                        Diagnostics* diag,
                                        std::vector<std::string>* referenced = nullptr);

// Today's date (UTC) as a Day.
Day TodayUtc();

// "YYYY-MM-DD" of a Day.
std::string FormatDay(Day day);

// Parses "YYYY-MM-DD"; false if it is not a real date.
bool ParseDay(std::string_view text, Day* day);

struct ExemptionCoverage;  // exemption_coverage.h

struct CompileOptions {
  Day today = TodayUtc();              // exemptions expiring before this are dropped
  // Size bound per family, counted as the nodes the equivalent painted
  // StrideTrie (stride_trie.h) would have.
  size_t max_trie_nodes = Ipv6Table::kDefaultMaxNodes;
  // When set, gets what each unexpired exemption frees (exemption_coverage.h),
  // in the policy's order.
  std::vector<ExemptionCoverage>* coverage = nullptr;
};

// Compiles a validated policy. Returns nullptr (with diag->errors) only when a
// resource limit is hit; validation problems were refused by the loader.
std::unique_ptr<CompiledPolicy> CompilePolicy(const Policy& policy, const CompileOptions& opts,
                                              Diagnostics* diag);

std::unique_ptr<CompiledPolicy> LoadAndCompile(const std::string& path, const CompileOptions& opts,
                                               Diagnostics* diag);

}  // namespace spamwall

#endif  // SPAMWALL_CONTROL_POLICY_POLICY_LOADER_H_
