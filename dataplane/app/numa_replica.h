// A copy of a compiled policy's lookup tables in memory of one NUMA socket:
// a worker's two lookups per mail packet then read local memory, not the
// other socket's (a remote cache miss costs about twice a local one). The
// small fields are copied as they are; the tables are copied page by page
// under a preferred-node memory policy (set_mempolicy), so the pages land on
// that node whichever CPU makes the copy.
#ifndef SPAMWALL_DATAPLANE_APP_NUMA_REPLICA_H_
#define SPAMWALL_DATAPLANE_APP_NUMA_REPLICA_H_

#include <memory>

#include "dataplane/core/compiled_policy.h"

namespace spamwall {

// The copy; where the kernel refuses the memory policy (no NUMA support) it
// is still a correct copy, placed as the kernel's default policy places it.
std::unique_ptr<CompiledPolicy> ReplicateOnSocket(const CompiledPolicy& source, int socket);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_NUMA_REPLICA_H_
