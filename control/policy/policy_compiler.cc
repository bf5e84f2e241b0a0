// Validated Policy -> CompiledPolicy: the prefixes of every list, per family,
// sorted and merged, are built into the policy's lookup tables (poptrie.h,
// poptrie_builder.h); each address resolves to the class bits of all list
// entries that cover it, folded shortest first (docs/policy.md).

#include "control/policy/policy_loader.h"

#include "control/policy/exemption_coverage.h"
#include "control/policy/policy_signatures.h"
#include "dataplane/core/huge_page_hint.h"

namespace spamwall {

namespace {

// Each list entry as a prefix of its family with its class bit.
void Collect(const std::vector<PrefixEntry>& list, uint8_t bits, std::vector<PoptriePrefix>* v4,
             std::vector<PoptriePrefix>* v6) {
  for (const auto& e : list)
    (e.prefix.family == 4 ? v4 : v6)->push_back({e.prefix.addr, e.prefix.length, bits});
}

}  // namespace

std::unique_ptr<CompiledPolicy> CompilePolicy(const Policy& policy, const CompileOptions& opts,
                                              Diagnostics* diag) {
  const std::string source = policy.files.empty() ? std::string() : policy.files[0];
  // Exact sizes, then huge pages for both lists: fresh memory faulted 4 KiB
  // at a time costs more than the copy here (huge_page_hint.h).
  size_t count4 = 0, count6 = 0;
  for (const auto* list : {&policy.consumer, &policy.business, &policy.internal, &policy.mx_servers,
                           &policy.authorized_relays, &policy.quarantine, &policy.sampling_watch})
    for (const auto& e : *list) (e.prefix.family == 4 ? count4 : count6)++;
  for (const auto& ex : policy.exemptions) (ex.prefix.family == 4 ? count4 : count6)++;
  std::vector<PoptriePrefix> v4, v6;
  v4.reserve(count4);
  v6.reserve(count6);
  HugePageHintCapacity(v4);
  HugePageHintCapacity(v6);
  Collect(policy.consumer, SW_CLASS_CONSUMER, &v4, &v6);
  Collect(policy.business, SW_CLASS_BUSINESS, &v4, &v6);
  Collect(policy.internal, SW_CLASS_INTERNAL, &v4, &v6);
  Collect(policy.mx_servers, SW_CLASS_MX, &v4, &v6);
  Collect(policy.authorized_relays, SW_CLASS_RELAY, &v4, &v6);
  Collect(policy.quarantine, SW_CLASS_QUARANTINE, &v4, &v6);
  Collect(policy.sampling_watch, SW_CLASS_WATCH, &v4, &v6);

  PolicySummary s;
  std::vector<const Exemption*> active;
  for (const auto& ex : policy.exemptions) {
    if (ex.expires < opts.today) {
      s.exemptions_expired++;
      diag->warnings.push_back({policy.files[ex.loc.file], ex.loc.line, ex.loc.column,
                                "exemption " + FormatPrefix(ex.prefix) + " (owner " + ex.owner +
                                    ") expired on " + ex.expires_text + " and no longer applies"});
      continue;
    }
    (ex.prefix.family == 4 ? v4 : v6).push_back({ex.prefix.addr, ex.prefix.length, SW_CLASS_EXEMPT});
    active.push_back(&ex);
  }

  // Sorted by address (a prefix before the ones inside it), equal prefixes
  // merged with the tie rule, then built straight into the lookup tables.
  SortAndMergePrefixes(&v4, 4);
  SortAndMergePrefixes(&v6, 16);
  s.distinct_prefixes_v4 = v4.size();
  s.distinct_prefixes_v6 = v6.size();
  std::unique_ptr<CompiledPolicy> out;
  try {
    out = std::make_unique<CompiledPolicy>(v4, v6, opts.max_trie_nodes);
  } catch (const PoptrieNodeLimit& e) {
    diag->errors.push_back({source, 0, 0,
                            std::string("the IPv") + (e.key_bits == 32 ? "4" : "6") +
                                " prefix table would exceed " + std::to_string(opts.max_trie_nodes) +
                                " nodes; the prefixes are too scattered for this build's limit"});
    return nullptr;
  }
  out->mode = policy.mode;
  out->smtp_flow_rate = policy.smtp_flow_rate;
  out->source = source;
  for (const auto& p : policy.smtp_ports) out->smtp_ports.Add(p.port);
  for (const auto& p : policy.submission_ports) out->submission_ports.Add(p.port);

  // What each exemption frees, over its whole range: one that frees nothing,
  // or reaches past consumer space (0.0.0.0/0 frees every consumer), is
  // named with its numbers.
  const ConsumerSpace space4(v4.data(), v4.size(), 4), space6(v6.data(), v6.size(), 16);
  for (const Exemption* ex : active) {
    ExemptionCoverage c = CoverageOf(ex->prefix.family == 4 ? space4 : space6, ex->prefix);
    if (c.freed < c.size)
      diag->warnings.push_back({policy.files[ex->loc.file], ex->loc.line, ex->loc.column,
                                "exemption " + FormatPrefix(ex->prefix) + " (owner " + ex->owner + ") " +
                                    CoverageText(c)});
    if (opts.coverage) opts.coverage->push_back(c);
  }

  out->summary = s;
  PolicySummary& summary = out->summary;
  summary.consumer = policy.consumer.size();
  summary.business = policy.business.size();
  summary.internal = policy.internal.size();
  summary.mx_servers = policy.mx_servers.size();
  summary.authorized_relays = policy.authorized_relays.size();
  summary.quarantine = policy.quarantine.size();
  summary.exemptions_active = active.size();
  summary.smtp_ports = policy.smtp_ports.size();
  summary.submission_ports = policy.submission_ports.size();
  if (!CompilePolicySignatures(policy, out.get(), diag)) return nullptr;
  return out;
}

}  // namespace spamwall
