// Files a client sends instead of naming them (docs/control-protocol.md,
// "File bundles"): controld never opens a path a client names. spamwallctl
// reads each file with its caller's own rights (regular files only,
// regular_file.h) and sends their bytes in one sealed memfd; the request's
// args say which path each piece had, for the messages. Used by policy
// check|push (the policy and every file it references) and the bulk
// quarantine and exempt commands.
#ifndef SPAMWALL_IPC_API_FILE_BUNDLE_H_
#define SPAMWALL_IPC_API_FILE_BUNDLE_H_

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ipc/unique_fd.h"

namespace spamwall::api {

// Bounds every bundle: a 1M-prefix pool is ~20 MB.
inline constexpr size_t kMaxBundleBytes = size_t{256} << 20;
inline constexpr size_t kMaxBundleFiles = 256;

struct BundleFile {
  std::string path;   // as the client resolved it (absolute, normalized)
  std::string bytes;
};

struct FileBundle {
  std::vector<BundleFile> files;  // files[0]: the one the command names

  size_t bytes() const;
  const BundleFile* Find(const std::string& path) const;
};

// Reads `path` (made absolute and normalized) into the bundle with the
// caller's rights; false with *error for anything but a readable regular
// file, or past the bounds. A path already there is not read twice.
// follow_links false: a symbolic link as the last component is refused.
bool AddFile(const std::string& path, FileBundle* b, std::string* error, bool follow_links = true);

// The request form: *args gets {"bundle": {"files": [{"path", "size"}...]}}
// and *fd a sealed memfd with the bytes one after the other.
bool BundleToWire(const FileBundle& b, nlohmann::json* args, UniqueFd* fd, std::string* error);

// The receiving side: checks the listing (paths, sizes, bounds) and that fd
// is a sealed memfd of exactly their total size before reading it.
bool BundleFromWire(const nlohmann::json& args, int fd, FileBundle* b, std::string* error);

}  // namespace spamwall::api

#endif  // SPAMWALL_IPC_API_FILE_BUNDLE_H_
