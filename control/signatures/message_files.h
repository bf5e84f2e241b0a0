// The messages a tool scans: files named, and every regular file under each
// folder named (sorted by path; only names ending in `suffix` when it is not
// empty), read whole.
#pragma once

#include <string>
#include <vector>

namespace spamwall::signatures {

struct MessageFile {
  std::string path;
  std::string bytes;
};

// False and `error` set when a path cannot be read.
bool LoadMessages(const std::vector<std::string>& paths, const std::string& suffix,
                  std::vector<MessageFile>& out,
                  std::string& error);

}  // namespace spamwall::signatures
