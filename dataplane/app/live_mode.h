// Live mode: EAL from the command line, ports from a hw-profile, one worker
// lcore per (port pair, queue), the main lcore reporting until a signal.
#ifndef SPAMWALL_DATAPLANE_APP_LIVE_MODE_H_
#define SPAMWALL_DATAPLANE_APP_LIVE_MODE_H_

#include "dataplane/app/options.h"

namespace spamwall {

// Exit code: 0 after a clean stop, 1 run failure, 2 bad input.
int RunLive(const Options& options, const char* program);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_LIVE_MODE_H_
