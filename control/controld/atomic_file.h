// Small state files (overlay.json, the generation counter) written so that a
// crash leaves either the old or the new content, never a torn file.
#ifndef SPAMWALL_CONTROL_CONTROLD_ATOMIC_FILE_H_
#define SPAMWALL_CONTROL_CONTROLD_ATOMIC_FILE_H_

#include <optional>
#include <string>

namespace spamwall::controld {

// Writes `content` to a fresh path.tmp (O_EXCL|O_NOFOLLOW: a planted link is
// never followed), fsyncs it, renames it over `path` and fsyncs the
// directory. On failure (a full disk) the temporary is removed and `path`
// keeps its old content.
bool AtomicWriteFile(const std::string& path, const std::string& content, std::string* error);

// The whole file; nullopt if it does not exist (other errors set *error).
std::optional<std::string> ReadWholeFile(const std::string& path, std::string* error);

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_ATOMIC_FILE_H_
