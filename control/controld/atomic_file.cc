#include "control/controld/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ipc/unique_fd.h"

namespace spamwall::controld {

namespace {
std::string Errno() { return std::strerror(errno); }
}  // namespace

bool AtomicWriteFile(const std::string& path, const std::string& content, std::string* error) {
  // A fresh name of mkstemp's beside the target (O_EXCL: a planted file or
  // link is never opened, whatever its name), so the rename stays in one
  // file system.
  std::string tmp = path + ".XXXXXX";
  UniqueFd fd(mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd.valid()) {
    *error = "cannot write " + path + ": " + Errno();
    return false;
  }
  const char* p = content.data();
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = write(fd.get(), p + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "cannot write " + tmp + ": " + (n == 0 ? std::string("short write") : Errno());
      unlink(tmp.c_str());
      return false;
    }
    off += static_cast<size_t>(n);
  }
  if (fchmod(fd.get(), 0640) != 0 || fsync(fd.get()) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot replace " + path + ": " + Errno();
    unlink(tmp.c_str());
    return false;
  }
  // The rename itself must survive a crash too.
  std::string dir = std::filesystem::path(path).parent_path().string();
  UniqueFd d(open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.valid()) fsync(d.get());
  return true;
}

}  // namespace spamwall::controld
