// Offline mode: the dataplane over DPDK net_pcap ports, from one pcap to a
// pass pcap (and a drop pcap), with STATS.json and a report. Tests and the
// demo run the product this way; the worker is the one that runs on NICs.
#ifndef SPAMWALL_DATAPLANE_APP_OFFLINE_MODE_H_
#define SPAMWALL_DATAPLANE_APP_OFFLINE_MODE_H_

#include "dataplane/app/boot_policy.h"
#include "dataplane/app/options.h"

namespace spamwall {

// Exit code: 0 success, 1 run failure (EAL, ports, frames unaccounted for),
// 2 bad input (policy refused, missing or bad pcap, unwritable output).
// `boot` without a policy is a refusal (exit 2 with its reasons).
int RunOffline(const Options& options, const char* program, BootPolicy boot);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_OFFLINE_MODE_H_
