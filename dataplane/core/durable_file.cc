#include "dataplane/core/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace spamwall {

bool WriteAll(int fd, const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  for (size_t done = 0; done < bytes;) {
    const ssize_t n = write(fd, p + done, bytes - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

bool WriteFileDurably(const std::string& path, mode_t mode,
                      const std::function<bool(int fd)>& write_body, std::string* error) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string tmp = dir + "/." + base + ".tmp-XXXXXX";
  const int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    *error = path + ": " + std::strerror(errno) + " (creating its temporary file in " + dir + ")";
    return false;
  }
  int err = 0;
  if (fchmod(fd, mode) != 0 || !write_body(fd) || fsync(fd) != 0) err = errno;
  if (close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {  // ENOSPC, EIO, ...: the target is untouched
    unlink(tmp.c_str());
    *error = path + ": " + std::strerror(err);
    return false;
  }
  // The rename is durable only once the directory is.
  const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || fsync(dfd) != 0) {
    *error = path + ": written, but syncing its directory " + dir + " failed: " + std::strerror(errno);
    if (dfd >= 0) close(dfd);
    return false;
  }
  close(dfd);
  return true;
}

bool WriteFileDurably(const std::string& path, mode_t mode, std::string_view content,
                      std::string* error) {
  return WriteFileDurably(
      path, mode, [&](int fd) { return WriteAll(fd, content.data(), content.size()); }, error);
}

}  // namespace spamwall
