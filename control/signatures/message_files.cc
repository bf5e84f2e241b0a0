#include "control/signatures/message_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace spamwall::signatures {
namespace fs = std::filesystem;

static bool ReadFile(const std::string& path, std::string& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  bytes = std::move(s).str();
  return true;
}

bool LoadMessages(const std::vector<std::string>& paths, const std::string& suffix,
                  std::vector<MessageFile>& out,
                  std::string& error) {
  for (const std::string& path : paths) {
    std::error_code ec;
    std::vector<std::string> files;
    if (fs::is_directory(path, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
        std::string name = e.path().string();
        if (!e.is_regular_file()) continue;
        if (!suffix.empty() && !name.ends_with(suffix)) continue;
        files.push_back(std::move(name));
      }
      if (ec) {
        error = path + ": " + ec.message();
        return false;
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(path);
    }
    for (std::string& f : files) {
      MessageFile m{f, {}};
      if (!ReadFile(f, m.bytes)) {
        error = f + ": cannot read";
        return false;
      }
      out.push_back(std::move(m));
    }
  }
  return true;
}

}  // namespace spamwall::signatures
