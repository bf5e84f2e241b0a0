// Unix stream sockets for the control path: a listening socket with the file
// mode and group the operator configured, a client connection with timeouts,
// and the peer's credentials as the kernel recorded them at connect()
// (SO_PEERCRED, SO_PEERGROUPS) for access checks and the audit log.
#ifndef SPAMWALL_IPC_UNIX_SOCKET_H_
#define SPAMWALL_IPC_UNIX_SOCKET_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "ipc/unique_fd.h"

namespace spamwall::proto {

struct Peer {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups of the connecting process
  std::string user;  // name of uid, or the number when it has none

  std::string ToString() const;  // "alice (uid 1000, pid 4242)"
};

// Binds and listens on `path`, then sets the file mode and, when `group` is
// not empty, its group. Parent directories must exist. A socket file there is
// connected to first: one that answers belongs to a running server and is an
// error ("already running (pid N)"); only a stale one (connection refused) is
// replaced. Any other file there is an error.
UniqueFd ListenUnix(const std::string& path, mode_t mode, const std::string& group,
                    std::string* error);

// Connects to `path`; send and receive time out after timeout_s seconds.
UniqueFd ConnectUnix(const std::string& path, double timeout_s, std::string* error);

// Send/receive timeouts on a connected socket.
void SetTimeouts(int sock, double timeout_s);

// The peer's uid, gid, pid and supplementary groups from the kernel, and its
// user name.
bool PeerOf(int sock, Peer* peer, std::string* error);

// True if the peer's credentials hold `gid`, as primary or supplementary
// group. Not /etc/group: a membership granted after the peer logged in, or
// one it dropped, counts as its process has it.
bool PeerHasGroup(const Peer& peer, gid_t gid);

// Group name (or a numeric gid, taken as is) -> gid; false if there is no
// such group name.
bool LookupGroup(const std::string& name, gid_t* gid);

}  // namespace spamwall::proto

#endif  // SPAMWALL_IPC_UNIX_SOCKET_H_
