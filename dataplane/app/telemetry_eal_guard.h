// DPDK 22.11's own /eal/heap_info and /eal/memzone_info telemetry commands
// index their tables with the parameter unchecked: "/eal/heap_info,-1" or
// "/eal/memzone_info,-1" reads far outside them and kills the dataplane,
// and with it the inline link. Telemetry finds the first command of a name
// in a sorted table and a later registration of the same name goes in front
// of the EAL's, so these replacements answer instead: the same fields from
// the public malloc and memzone APIs, and a refusal (-EINVAL: the client
// sees null) for a parameter that is not an index of the table.
#ifndef SPAMWALL_DATAPLANE_APP_TELEMETRY_EAL_GUARD_H_
#define SPAMWALL_DATAPLANE_APP_TELEMETRY_EAL_GUARD_H_

#include <optional>
#include <string>

namespace spamwall {

// Registers the replacements; once per process, after rte_eal_init.
void GuardEalTelemetry();

// "12" -> 12; anything but a plain decimal below `limit` (a sign, spaces,
// garbage, overflow) -> nullopt.
std::optional<unsigned> TelemetryIndex(const char* params, unsigned limit);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_TELEMETRY_EAL_GUARD_H_
