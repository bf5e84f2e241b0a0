// Small state files (overlay.json, the generation counter) written so that a
// crash leaves either the old or the new content, never a torn file.
#ifndef SPAMWALL_CONTROL_CONTROLD_ATOMIC_FILE_H_
#define SPAMWALL_CONTROL_CONTROLD_ATOMIC_FILE_H_

#include <string>

namespace spamwall::controld {

// Writes `content` to a fresh temporary beside `path` (mkstemp: O_EXCL, a
// planted link is never followed), fsyncs it, renames it over `path` and
// fsyncs the directory. On failure (a full disk) the temporary is removed
// and `path` keeps its old content. (Reading state files: regular_file.h.)
bool AtomicWriteFile(const std::string& path, const std::string& content, std::string* error);

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_ATOMIC_FILE_H_
