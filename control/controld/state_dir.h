// controld's state directory, checked and held before anything else starts:
// a directory others cannot write into (they could plant files and links
// there), and one controld per directory (flock on state_dir/lock, which
// names the holder's pid), so a second instance stops before it touches the
// state or the live socket.
#ifndef SPAMWALL_CONTROL_CONTROLD_STATE_DIR_H_
#define SPAMWALL_CONTROL_CONTROLD_STATE_DIR_H_

#include <string>

#include "ipc/unique_fd.h"

namespace spamwall::controld {

// On success *lock holds the lock for as long as it lives (the process).
bool LockStateDir(const std::string& dir, UniqueFd* lock, std::string* error);

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_STATE_DIR_H_
