// The flow table's counters as JSON (stats, telemetry, STATS.json): every
// field of FlowTableCounters, ReassemblyCounters and SmtpCounters, named as
// in the structs; the one list of their names.
#ifndef SPAMWALL_DATAPLANE_SAMPLER_FLOW_TABLE_JSON_H_
#define SPAMWALL_DATAPLANE_SAMPLER_FLOW_TABLE_JSON_H_

#include <nlohmann/json.hpp>

#include "dataplane/sampler/flow_table.h"

namespace spamwall::sampler {

nlohmann::json FlowTableCountersJson(const FlowTableCounters& c);

}  // namespace spamwall::sampler

#endif  // SPAMWALL_DATAPLANE_SAMPLER_FLOW_TABLE_JSON_H_
