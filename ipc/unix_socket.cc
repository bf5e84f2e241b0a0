#include "ipc/unix_socket.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59  // Linux 4.13; older libc headers lack the name
#endif

namespace spamwall::proto {

namespace {

std::string Errno() { return std::strerror(errno); }

bool MakeAddress(const std::string& path, sockaddr_un* addr, std::string* error) {
  *addr = sockaddr_un{};
  addr->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr->sun_path) {
    *error = "socket path '" + path + "' is empty or longer than " +
             std::to_string(sizeof addr->sun_path - 1) + " bytes";
    return false;
  }
  std::memcpy(addr->sun_path, path.c_str(), path.size() + 1);
  return true;
}

// True when nothing listens on the socket file at `addr` any more. A server
// that answers is named by its pid (SO_PEERCRED of a client is the listener's).
bool SocketIsStale(const sockaddr_un& addr, const std::string& path, std::string* error) {
  UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe.valid()) {
    *error = "socket: " + Errno();
    return false;
  }
  if (connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    ucred cred{};
    socklen_t len = sizeof cred;
    getsockopt(probe.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len);
    *error = path + ": already running (pid " + std::to_string(cred.pid) +
             "); refusing to replace a live socket";
    return false;
  }
  if (errno == ECONNREFUSED) return true;
  *error = path + " exists and cannot be probed (" + Errno() +
           "); refusing to replace it";
  return false;
}

}  // namespace

std::string Peer::ToString() const {
  return user + " (uid " + std::to_string(uid) + ", pid " + std::to_string(pid) + ")";
}

UniqueFd ListenUnix(const std::string& path, mode_t mode, const std::string& group,
                    std::string* error) {
  sockaddr_un addr;
  if (!MakeAddress(path, &addr, error)) return {};
  gid_t gid = 0;
  if (!group.empty() && !LookupGroup(group, &gid)) {
    *error = "socket group '" + group + "' does not exist";
    return {};
  }
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      *error = path + " exists and is not a socket; refusing to replace it";
      return {};
    }
    if (!SocketIsStale(addr, path, error)) return {};
    unlink(path.c_str());  // a socket left by a process that is gone
  }
  // Bound, given its group and mode and listening under a temporary name
  // first, then renamed into place: the path never names a socket that
  // refuses connections (a client, or another instance's stale check, would
  // take it for a dead one). A path too long for the suffix binds directly.
  const std::string staged = path + "." + std::to_string(getpid());
  sockaddr_un staged_addr;
  std::string too_long;
  const bool stage = MakeAddress(staged, &staged_addr, &too_long);
  const std::string& at = stage ? staged : path;
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    *error = "socket: " + Errno();
    return {};
  }
  // Nobody may connect before mode and group are right: bind with a umask
  // that leaves only the owner, then open up to `mode`.
  unlink(staged.c_str());  // left by a crashed start with this pid
  mode_t old = umask(0177);
  int rc = bind(fd.get(), reinterpret_cast<const sockaddr*>(stage ? &staged_addr : &addr),
                sizeof addr);
  umask(old);
  if (rc != 0) {
    *error = "bind " + at + ": " + Errno();
    return {};
  }
  auto fail = [&](const std::string& what) {
    *error = what + ": " + Errno();
    unlink(at.c_str());
    return UniqueFd();
  };
  // A socket bound by a process of that group has it already: no chown, which
  // the shipped unit's system call filter refuses (~@privileged).
  if (!group.empty() && stat(at.c_str(), &st) == 0 && st.st_gid != gid &&
      chown(at.c_str(), static_cast<uid_t>(-1), gid) != 0)
    return fail("chown " + at + " to group " + group);
  if (chmod(at.c_str(), mode) != 0) return fail("chmod " + at);
  if (listen(fd.get(), 512) != 0) return fail("listen " + at);
  if (stage && rename(staged.c_str(), path.c_str()) != 0) return fail("rename to " + path);
  return fd;
}

void SetTimeouts(int sock, double timeout_s) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_s);
  tv.tv_usec = static_cast<suseconds_t>((timeout_s - static_cast<double>(tv.tv_sec)) * 1e6);
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

UniqueFd ConnectUnix(const std::string& path, double timeout_s, std::string* error) {
  sockaddr_un addr;
  if (!MakeAddress(path, &addr, error)) return {};
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    *error = "socket: " + Errno();
    return {};
  }
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = "cannot connect to " + path + ": " + Errno();
    return {};
  }
  SetTimeouts(fd.get(), timeout_s);
  return fd;
}

bool PeerOf(int sock, Peer* peer, std::string* error) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    *error = "SO_PEERCRED: " + Errno();
    return false;
  }
  peer->pid = cred.pid;
  peer->uid = cred.uid;
  peer->gid = cred.gid;
  // The supplementary groups the peer held when it connected; the second
  // call only when it holds more than 64.
  std::vector<gid_t> groups(64);
  for (int attempt = 0; attempt < 2; attempt++) {
    len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(sock, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
      groups.resize(len / sizeof(gid_t));
      break;
    }
    if (errno != ERANGE || attempt == 1) {
      *error = "SO_PEERGROUPS: " + Errno();
      return false;
    }
    groups.resize(len / sizeof(gid_t));
  }
  peer->groups = std::move(groups);
  passwd pw, *found = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(cred.uid, &pw, buf.data(), buf.size(), &found) == 0 && found)
    peer->user = pw.pw_name;
  else
    peer->user = std::to_string(cred.uid);
  return true;
}

bool PeerHasGroup(const Peer& peer, gid_t gid) {
  return peer.gid == gid || std::find(peer.groups.begin(), peer.groups.end(), gid) != peer.groups.end();
}

bool LookupGroup(const std::string& name, gid_t* gid) {
  // A number is a gid as is: a group the name service cannot resolve at
  // boot (LDAP, a container's) still works.
  if (!name.empty() && name.size() <= 10 && name.find_first_not_of("0123456789") == std::string::npos) {
    const unsigned long long n = std::stoull(name);
    if (n >= static_cast<gid_t>(-1)) return false;  // (gid_t)-1 means "no change"
    *gid = static_cast<gid_t>(n);
    return true;
  }
  group gr, *found = nullptr;
  std::vector<char> buf(16384);
  if (getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found) != 0 || !found) return false;
  *gid = gr.gr_gid;
  return true;
}

}  // namespace spamwall::proto
