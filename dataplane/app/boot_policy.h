// Which policy the dataplane starts with. In order: the persisted generation
// image (--policy-image, the state directory's `live` in the systemd unit:
// the last generation controld had accepted, overlay included, with its own
// generation number), then the YAML policy (--policy: first install, offline
// mode), then, in live mode only, the safe state: a policy with no prefixes
// in monitor mode, which forwards everything and drops nothing. A bad file
// on disk must never keep the inline link down (no restart loop), so every
// refusal is logged and the next choice taken; the safe state is reported
// loudly (log, stats "safe_state", the Prometheus gauge) until controld
// pushes a generation.
#ifndef SPAMWALL_DATAPLANE_APP_BOOT_POLICY_H_
#define SPAMWALL_DATAPLANE_APP_BOOT_POLICY_H_

#include <functional>
#include <memory>
#include <string>

#include "dataplane/app/generation.h"
#include "dataplane/core/compiled_policy.h"

namespace spamwall {

struct BootPolicy {
  std::unique_ptr<CompiledPolicy> policy;  // null only when none could be had offline
  uint64_t generation = 0;
  LiveIdentity id;         // origin ("--policy-image PATH", "--policy PATH", "safe state"),
                           // digest of the image, why the safe state
  std::string refusal;     // every refusal on the way, one per line
};

// Compiles a YAML policy file; null with *refusal (file:line:col per error).
// Given by the executable's composition root, which links the compiler: the
// dataplane runtime itself links only the core and the IPC layer.
using CompileYaml =
    std::function<std::unique_ptr<CompiledPolicy>(const std::string& path, std::string* refusal)>;

// Chooses as described above. `allow_safe_state`: live mode.
BootPolicy ChooseBootPolicy(const std::string& image_path, const std::string& yaml_path,
                            const CompileYaml& compile, bool allow_safe_state);

// The safe state's policy: no prefixes, monitor mode.
std::unique_ptr<CompiledPolicy> SafeStatePolicy();

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_BOOT_POLICY_H_
