// Unix stream sockets for the control path: a listening socket with the file
// mode and group the operator configured, a client connection with timeouts,
// and the peer's credentials (SO_PEERCRED) for access checks and the audit log.
#ifndef SPAMWALL_IPC_UNIX_SOCKET_H_
#define SPAMWALL_IPC_UNIX_SOCKET_H_

#include <sys/types.h>

#include <string>

#include "ipc/unique_fd.h"

namespace spamwall::proto {

struct Peer {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user;  // name of uid, or the number when it has none

  std::string ToString() const;  // "alice (uid 1000, pid 4242)"
};

// Binds and listens on `path` (a stale socket file is replaced; any other
// file there is an error), then sets the file mode and, when `group` is not
// empty, its group. Parent directories must exist.
UniqueFd ListenUnix(const std::string& path, mode_t mode, const std::string& group,
                    std::string* error);

// Connects to `path`; send and receive time out after timeout_s seconds.
UniqueFd ConnectUnix(const std::string& path, double timeout_s, std::string* error);

// Send/receive timeouts on a connected socket.
void SetTimeouts(int sock, double timeout_s);

bool PeerOf(int sock, Peer* peer, std::string* error);

// True if the user `peer.uid` has group `gid`, as primary or supplementary group.
bool PeerHasGroup(const Peer& peer, gid_t gid);

// Group name -> gid; false if there is no such group.
bool LookupGroup(const std::string& name, gid_t* gid);

}  // namespace spamwall::proto

#endif  // SPAMWALL_IPC_UNIX_SOCKET_H_
