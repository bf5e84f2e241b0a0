#include "control/controld/state_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace spamwall::controld {

bool LockStateDir(const std::string& dir, UniqueFd* lock, std::string* error) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *error = "state_dir " + dir + " is not a directory";
    return false;
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[8];
    snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    *error = "state_dir " + dir + " is writable by its group or by others (mode " + mode +
             "): refused, since they could plant files there (chmod go-w " + dir + ")";
    return false;
  }
  const std::string path = dir + "/lock";
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0640));
  if (!fd.valid() || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "cannot open " + path + ": " +
             (!fd.valid() ? (errno == ELOOP ? "is a symbolic link" : std::strerror(errno)) : "not a regular file");
    return false;
  }
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = pread(fd.get(), buf, sizeof buf - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    *error = "another spamwall-controld is already running (pid " + (pid.empty() ? "unknown" : pid) +
             ") with state_dir " + dir;
    return false;
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd.get(), 0) != 0 || pwrite(fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  *lock = std::move(fd);
  return true;
}

}  // namespace spamwall::controld
