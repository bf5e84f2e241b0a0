// Reading a file named by a person (a policy, a pool, a bulk list, a
// configuration, a state file): regular files only, never blocking, never
// more than a cap. A FIFO, a device (/dev/zero) or a directory is refused at
// once with its kind named, before a byte is read.
#ifndef SPAMWALL_IPC_REGULAR_FILE_H_
#define SPAMWALL_IPC_REGULAR_FILE_H_

#include <cstddef>
#include <optional>
#include <string>

namespace spamwall::proto {

struct ReadFileOptions {
  size_t max_bytes = size_t{1} << 20;
  // false: a symbolic link as the last component is refused (O_NOFOLLOW), for
  // files a daemon opens in its own directories.
  bool follow_links = true;
};

// The whole file, or nullopt with *error ("PATH: why"); *missing (when
// given) is set for a file that does not exist, so a caller can treat that
// as "none".
std::optional<std::string> ReadRegularFile(const std::string& path, const ReadFileOptions& opts,
                                           std::string* error, bool* missing = nullptr);

}  // namespace spamwall::proto

#endif  // SPAMWALL_IPC_REGULAR_FILE_H_
