// Policy images as descriptors and files: the sealed memfd controld passes
// to the dataplane, the generation files it keeps, and the boot image.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dataplane/core/durable_file.h"
#include "dataplane/core/policy_image.h"
#include "dataplane/core/policy_image_format.h"
#include "dataplane/core/policy_image_layout.h"

namespace spamwall {

namespace {

using image::Layout;

// pwrite, section by section, into a file that reads as zeros elsewhere:
// no page faults on a shared mapping and no zeroing pass (for 1M prefixes
// that was most of the image time). false with errno set.
bool WriteLayout(int fd, const Layout& layout) {
  if (ftruncate(fd, static_cast<off_t>(layout.total)) != 0) return false;
  auto put = [fd](const uint8_t* p, uint64_t bytes, uint64_t offset) {
    for (uint64_t done = 0; done < bytes;) {
      const ssize_t n = pwrite(fd, p + done, bytes - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n == 0) errno = EIO;
        return false;
      }
      done += static_cast<uint64_t>(n);
    }
    return true;
  };
  if (!put(layout.head.data(), layout.head.size(), 0)) return false;
  for (const image::Piece& p : layout.pieces)
    if (!put(p.data, p.at.bytes, p.at.offset)) return false;
  return true;
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Maps size bytes of fd (populated: one call maps every page instead of a
// fault each) and loads them. A file that shrinks while mapped would fault
// (SIGBUS): the memfd is sealed, and the boot image is root's.
std::optional<LoadedPolicyImage> MapAndLoad(int fd, size_t size, std::string* error) {
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (p == MAP_FAILED) {
    *error = Errno("policy image: mmap");
    return std::nullopt;
  }
  auto loaded = LoadPolicyImage(static_cast<const uint8_t*>(p), size, error);
  munmap(p, size);
  return loaded;
}

// A size a reader maps, else *error (prefixed by `who`).
bool SizeOk(const struct stat& st, const std::string& who, std::string* error) {
  if (st.st_size <= 0) {
    *error = who + "empty";
    return false;
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxPolicyImageBytes) {
    *error = who + std::to_string(st.st_size) + " bytes, more than the " +
             std::to_string(kMaxPolicyImageBytes) + " a policy image may have";
    return false;
  }
  return true;
}

}  // namespace

int CreatePolicyImageFd(const CompiledPolicy& policy, const PolicyImageMeta& meta,
                        const std::vector<ImageExtraSection>& extra, std::string* digest,
                        std::string* error) {
  Layout layout;
  if (!image::LayOut(policy, meta, extra, &layout, error)) return -1;
  const int fd = memfd_create("spamwall-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    *error = Errno("memfd_create");
    return -1;
  }
  if (!WriteLayout(fd, layout)) {
    const int err = errno;
    *error = "policy image of " + std::to_string(layout.total) + " bytes: " + std::strerror(err);
    close(fd);
    return -1;
  }
  // Sealed: the receiver checks what it maps, and nobody can change it after.
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    *error = Errno("sealing the policy image");
    close(fd);
    return -1;
  }
  if (digest) *digest = image::DigestOf(layout.image_crc, layout.total);
  return fd;
}

bool WritePolicyImageFile(const std::string& path, const CompiledPolicy& policy,
                          const PolicyImageMeta& meta, const std::vector<ImageExtraSection>& extra,
                          std::string* digest, std::string* error) {
  Layout layout;
  if (!image::LayOut(policy, meta, extra, &layout, error)) {
    *error = path + ": " + *error;
    return false;
  }
  if (!WriteFileDurably(path, 0640, [&](int fd) { return WriteLayout(fd, layout); }, error))
    return false;
  if (digest) *digest = image::DigestOf(layout.image_crc, layout.total);
  return true;
}

std::optional<LoadedPolicyImage> LoadPolicyImageFd(int fd, std::string* error) {
  constexpr int kNeeded = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  const int seals = fcntl(fd, F_GET_SEALS);
  if (seals < 0 || (seals & kNeeded) != kNeeded) {
    *error = "policy image: the descriptor is not a sealed memfd (it could change while read)";
    return std::nullopt;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *error = Errno("policy image: fstat");
    return std::nullopt;
  }
  if (!SizeOk(st, "policy image: ", error)) return std::nullopt;
  return MapAndLoad(fd, static_cast<size_t>(st.st_size), error);
}

std::optional<LoadedPolicyImage> LoadPolicyImageFile(const std::string& path, std::string* error) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused
  // below like any other file that is not regular.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *error = Errno(path);
    return std::nullopt;
  }
  struct stat st;
  std::optional<LoadedPolicyImage> loaded;
  if (fstat(fd, &st) != 0) {
    *error = Errno(path);
  } else if (!S_ISREG(st.st_mode)) {
    *error = path + ": not a regular file (" +
             (S_ISFIFO(st.st_mode)  ? "a FIFO"
              : S_ISDIR(st.st_mode) ? "a directory"
              : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
              : S_ISSOCK(st.st_mode) ? "a socket"
                                     : "not a file") +
             ")";
  } else if (SizeOk(st, path + ": policy image: ", error)) {
    loaded = MapAndLoad(fd, static_cast<size_t>(st.st_size), error);
    if (!loaded) *error = path + ": " + *error;
  }
  close(fd);
  return loaded;
}

}  // namespace spamwall
