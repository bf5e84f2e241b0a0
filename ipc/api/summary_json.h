// A compiled policy's counts per list as JSON: what `policy show`, `stats`,
// the telemetry commands and controld's replies all print (one shape).
#ifndef SPAMWALL_IPC_API_SUMMARY_JSON_H_
#define SPAMWALL_IPC_API_SUMMARY_JSON_H_

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "dataplane/core/compiled_policy.h"

namespace spamwall {

inline nlohmann::json SummaryJson(const PolicySummary& s) {
  return {{"consumer", s.consumer},
          {"business", s.business},
          {"internal", s.internal},
          {"mx_servers", s.mx_servers},
          {"authorized_relays", s.authorized_relays},
          {"quarantine", s.quarantine},
          {"exemptions_active", s.exemptions_active},
          {"exemptions_expired", s.exemptions_expired},
          {"smtp_ports", s.smtp_ports},
          {"submission_ports", s.submission_ports},
          {"prefixes_v4", s.distinct_prefixes_v4},
          {"prefixes_v6", s.distinct_prefixes_v6}};
}

// The same as a map (the typed results' "summary").
inline std::map<std::string, uint64_t> SummaryMap(const PolicySummary& s) {
  return SummaryJson(s).get<std::map<std::string, uint64_t>>();
}

}  // namespace spamwall

#endif  // SPAMWALL_IPC_API_SUMMARY_JSON_H_
