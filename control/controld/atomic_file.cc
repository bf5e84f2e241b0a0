#include "control/controld/atomic_file.h"

#include <fcntl.h>
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
  const char* data = content.data();
  const size_t size = content.size();
  const std::string tmp = path + ".tmp";
  unlink(tmp.c_str());  // a leftover of a crash, or something planted: never written through
  UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640));
  if (!fd.valid()) {
    *error = "cannot write " + tmp + ": " + Errno();
    return false;
  }
  const char* p = static_cast<const char*>(data);
  size_t off = 0;
  while (off < size) {
    ssize_t n = write(fd.get(), p + off, size - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "cannot write " + tmp + ": " + (n == 0 ? std::string("short write") : Errno());
      unlink(tmp.c_str());
      return false;
    }
    off += static_cast<size_t>(n);
  }
  if (fsync(fd.get()) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
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

std::optional<std::string> ReadWholeFile(const std::string& path, std::string* error) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno != ENOENT) *error = "cannot read " + path + ": " + Errno();
    return std::nullopt;
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = "cannot read " + path + ": " + Errno();
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace spamwall::controld
