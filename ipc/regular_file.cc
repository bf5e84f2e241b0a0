#include "ipc/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ipc/unique_fd.h"

namespace spamwall::proto {

namespace {

const char* KindOf(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

}  // namespace

std::optional<std::string> ReadRegularFile(const std::string& path, const ReadFileOptions& opts,
                                           std::string* error, bool* missing) {
  if (missing) *missing = false;
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  if (!opts.follow_links) flags |= O_NOFOLLOW;
  UniqueFd fd(open(path.c_str(), flags));
  if (!fd.valid()) {
    if (errno == ENOENT && missing) *missing = true;
    *error = path + ": " + (errno == ELOOP && !opts.follow_links ? "is a symbolic link (refused)"
                                                                 : std::strerror(errno));
    return std::nullopt;
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    *error = path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = path + ": is " + std::string(KindOf(st.st_mode)) + ", not a regular file (refused)";
    return std::nullopt;
  }
  if (static_cast<uint64_t>(st.st_size) > opts.max_bytes) {
    *error = path + ": " + std::to_string(st.st_size) + " bytes, more than the " +
             std::to_string(opts.max_bytes) + " allowed";
    return std::nullopt;
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  // Read one byte past the size: a file that grew while read is refused,
  // never read without bound.
  for (;;) {
    if (got == out.size()) {
      if (out.size() > opts.max_bytes) break;
      out.resize(out.size() + 1);
    }
    ssize_t n = read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = path + ": " + std::strerror(errno);
      return std::nullopt;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > opts.max_bytes) {
    *error = path + ": grew past the " + std::to_string(opts.max_bytes) + " bytes allowed while read";
    return std::nullopt;
  }
  out.resize(got);
  return out;
}

}  // namespace spamwall::proto
