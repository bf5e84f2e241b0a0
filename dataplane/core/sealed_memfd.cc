#include "dataplane/core/sealed_memfd.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace spamwall {

int SealedMemfd(const char* name, const uint8_t* bytes, size_t size, std::string* error) {
  int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    *error = std::string("memfd_create: ") + std::strerror(errno);
    return -1;
  }
  bool ok = ftruncate(fd, static_cast<off_t>(size)) == 0;
  for (size_t done = 0; ok && done < size;) {
    ssize_t n = pwrite(fd, bytes + done, size - done, static_cast<off_t>(done));
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  if (!ok || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    *error = std::string("sealed memfd of ") + std::to_string(size) + " bytes: " + std::strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace spamwall
