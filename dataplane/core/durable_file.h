// Files written so that a crash, a full disk or a planted link leaves the old
// content or the new one, never a torn file and never someone else's: a
// temporary made beside the target (mkostemp: O_EXCL, a fresh name, so no
// link is followed and no other file is opened), every write checked,
// fsync, rename over the target, fsync of the directory. The one writer of
// the policy images, controld's state files and the dataplane's stats.
#ifndef SPAMWALL_DATAPLANE_CORE_DURABLE_FILE_H_
#define SPAMWALL_DATAPLANE_CORE_DURABLE_FILE_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

namespace spamwall {

// Writes the file through write_body(fd), which returns false with errno set
// on a failed write. On any failure the target keeps its old content, the
// temporary is removed and *error says "PATH: why". `mode` is the file's
// mode as given (no umask).
bool WriteFileDurably(const std::string& path, mode_t mode,
                      const std::function<bool(int fd)>& write_body, std::string* error);
bool WriteFileDurably(const std::string& path, mode_t mode, std::string_view content,
                      std::string* error);

// Every byte of `data` to fd (EINTR retried); false with errno set (EIO for
// a write of 0 bytes).
bool WriteAll(int fd, const void* data, size_t bytes);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_DURABLE_FILE_H_
