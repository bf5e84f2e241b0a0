// A policy's signature files -> its generation's signature database: parsed
// (every refusal names FILE:LINE), compiled by the one signature compiler
// (dataplane/signatures/compiler.h), serialized for the image's signatures
// section. Part of CompilePolicy: spamwall-dataplane --policy,
// spamwall-compile and controld all compile through it.
#ifndef SPAMWALL_CONTROL_POLICY_POLICY_SIGNATURES_H_
#define SPAMWALL_CONTROL_POLICY_POLICY_SIGNATURES_H_

#include "control/policy/policy.h"
#include "dataplane/core/compiled_policy.h"

namespace spamwall {

// Sets out->signature_db and out->signatures from policy.signature_files;
// leaves both empty for a policy that names none. False with diag->errors
// when a file or a signature is refused (nothing is half-set).
//
// The last set compiled is kept and reused when the same files come again:
// controld recompiles the whole policy for every overlay change, and a
// Hyperscan compile of a large set takes seconds to minutes.
bool CompilePolicySignatures(const Policy& policy, CompiledPolicy* out, Diagnostics* diag);

}  // namespace spamwall

#endif  // SPAMWALL_CONTROL_POLICY_POLICY_SIGNATURES_H_
