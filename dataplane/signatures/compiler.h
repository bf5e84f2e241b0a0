// The signature compiler: each signature's plan (Hyperscan exact, Hyperscan
// prefilter + PCRE2 confirmation, or refused), then the streaming databases.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dataplane/signatures/database.h"
#include "dataplane/signatures/literal_gate.h"
#include "dataplane/signatures/signature.h"

namespace spamwall::signatures {

struct PlanResult {
  bool ok = false;
  Plan plan = Plan::kExact;
  LiteralGate gate;  // for kGate
  std::string why;   // when refused: Hyperscan's and PCRE2's reasons
};

// How one signature would be compiled, or why neither engine takes it:
//   a literal: exact;
//   a regex longer than options.gate_source_bytes with a literal gate: gated;
//   one longer than options.prefilter_source_bytes (when set) that Hyperscan
//     takes as a prefilter: prefiltered;
//   else exact when Hyperscan takes it, gated when it has a gate,
//   prefiltered when Hyperscan takes it as a prefilter; else refused.
PlanResult PlanSignature(const Signature& sig, const CompileOptions& options = {});

struct CompileResult {
  std::unique_ptr<Database> db;
  std::vector<std::string> errors;  // "ID (ORIGIN): why", one per refused signature
  bool ok() const { return db != nullptr; }
};

// Compiles every signature into HS_MODE_STREAM databases. Any refused
// signature refuses the whole set (nothing half-built is returned).
CompileResult Compile(std::vector<Signature> sigs, const CompileOptions& options = {});

}  // namespace spamwall::signatures
