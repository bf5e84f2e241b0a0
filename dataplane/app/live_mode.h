// Live mode: EAL from the command line, ports from a hw-profile, one worker
// lcore per (port pair, queue), the main lcore reporting until a signal.
#ifndef SPAMWALL_DATAPLANE_APP_LIVE_MODE_H_
#define SPAMWALL_DATAPLANE_APP_LIVE_MODE_H_

#include "dataplane/app/boot_policy.h"
#include "dataplane/app/options.h"

namespace spamwall {

// Exit code: 0 after a clean stop, 1 run failure, 2 bad input.
// `boot` is ChooseBootPolicy's choice (never without a policy in live mode).
int RunLive(const Options& options, const char* program, BootPolicy boot);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_LIVE_MODE_H_
