// Validated Policy -> CompiledPolicy: every prefix of every list is painted
// into one trie per family (shortest first), each slot carrying the resolved
// class bits of all list entries that cover it (DESIGN.md "Policy file");
// the tries are then compressed into the policy's lookup tables (poptrie.h).
#include <algorithm>

#include "control/policy/policy_loader.h"

namespace spamwall {

namespace {

struct ClassedPrefix {
  Prefix prefix;
  uint8_t bits;
};

void Collect(const std::vector<PrefixEntry>& list, uint8_t bits, std::vector<ClassedPrefix>* out) {
  for (const auto& e : list) out->push_back({e.prefix, bits});
}

// Sorted by family, then length, then address; equal prefixes merged (a
// prefix in both consumer and business is business: the tie rule).
std::vector<ClassedPrefix> SortAndMerge(std::vector<ClassedPrefix> all) {
  std::sort(all.begin(), all.end(), [](const ClassedPrefix& a, const ClassedPrefix& b) {
    if (a.prefix.family != b.prefix.family) return a.prefix.family < b.prefix.family;
    if (a.prefix.length != b.prefix.length) return a.prefix.length < b.prefix.length;
    return a.prefix.addr < b.prefix.addr;
  });
  std::vector<ClassedPrefix> merged;
  merged.reserve(all.size());
  for (const auto& cp : all) {
    if (!merged.empty() && merged.back().prefix == cp.prefix) {
      merged.back().bits |= cp.bits;
    } else {
      merged.push_back(cp);
    }
    uint8_t& b = merged.back().bits;
    if ((b & SW_CLASS_CONSUMER) && (b & SW_CLASS_BUSINESS)) b &= ~SW_CLASS_CONSUMER;
  }
  return merged;
}

}  // namespace

std::unique_ptr<CompiledPolicy> CompilePolicy(const Policy& policy, const CompileOptions& opts,
                                              Diagnostics* diag) {
  const std::string source = policy.files.empty() ? std::string() : policy.files[0];
  // Painted here, then compressed into the compiled policy's tables.
  auto trie4 = std::make_unique<Ipv4Table>(opts.max_trie_nodes);
  auto trie6 = std::make_unique<Ipv6Table>(opts.max_trie_nodes);

  std::vector<ClassedPrefix> all;
  all.reserve(policy.consumer.size() + policy.business.size() + policy.internal.size() +
              policy.mx_servers.size() + policy.authorized_relays.size() +
              policy.quarantine.size() + policy.exemptions.size());
  Collect(policy.consumer, SW_CLASS_CONSUMER, &all);
  Collect(policy.business, SW_CLASS_BUSINESS, &all);
  Collect(policy.internal, SW_CLASS_INTERNAL, &all);
  Collect(policy.mx_servers, SW_CLASS_MX, &all);
  Collect(policy.authorized_relays, SW_CLASS_RELAY, &all);
  Collect(policy.quarantine, SW_CLASS_QUARANTINE, &all);

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
    all.push_back({ex.prefix, SW_CLASS_EXEMPT});
    active.push_back(&ex);
  }

  for (const auto& cp : SortAndMerge(std::move(all))) {
    const bool v4 = cp.prefix.family == 4;
    (v4 ? s.distinct_prefixes_v4 : s.distinct_prefixes_v6)++;
    const uint8_t* key = cp.prefix.addr.data();
    if (!(v4 ? trie4->Paint(key, cp.prefix.length, cp.bits)
             : trie6->Paint(key, cp.prefix.length, cp.bits))) {
      diag->errors.push_back({source, 0, 0,
                              "the IPv" + std::to_string(cp.prefix.family) +
                                  " prefix table would exceed " +
                                  std::to_string(opts.max_trie_nodes) +
                                  " nodes; the prefixes are too scattered for this build's limit"});
      return nullptr;
    }
  }

  auto out = std::make_unique<CompiledPolicy>(*trie4, *trie6);
  trie4.reset();  // the painted tries are no longer needed
  trie6.reset();
  out->mode = policy.mode;
  out->smtp_flow_rate = policy.smtp_flow_rate;
  out->source = source;
  for (const auto& p : policy.smtp_ports) out->smtp_ports.Add(p.port);
  for (const auto& p : policy.submission_ports) out->submission_ports.Add(p.port);

  // An exemption outside every consumer pool exempts nothing: say so.
  for (const Exemption* ex : active) {
    if (!(out->ClassOf(ex->prefix.family == 4 ? SW_L3_IPV4 : SW_L3_IPV6, ex->prefix.addr.data()) &
          SW_CLASS_CONSUMER))
      diag->warnings.push_back({policy.files[ex->loc.file], ex->loc.line, ex->loc.column,
                                "exemption " + FormatPrefix(ex->prefix) +
                                    " is not inside any consumer prefix; it changes nothing"});
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
  return out;
}

}  // namespace spamwall
