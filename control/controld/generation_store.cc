#include "control/controld/generation_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>

#include "control/controld/atomic_file.h"
#include "ipc/unique_fd.h"

namespace spamwall::controld {

namespace {

std::string Errno() { return std::strerror(errno); }

// "<digits>.img" -> the number.
std::optional<uint64_t> ImageNumber(const std::string& name) {
  if (name.size() < 5 || name.compare(name.size() - 4, 4, ".img") != 0) return std::nullopt;
  uint64_t n = 0;
  const char* end = name.data() + name.size() - 4;
  auto [p, ec] = std::from_chars(name.data(), end, n);
  if (ec != std::errc() || p != end || n == 0) return std::nullopt;
  return n;
}

void SyncDir(const std::string& dir) {
  UniqueFd d(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.valid()) fsync(d.get());
}

}  // namespace

bool GenerationStore::Open(std::string* error) {
  const std::string g = dir_ + "/generations";
  if (mkdir(g.c_str(), 0750) != 0 && errno != EEXIST) {
    *error = "cannot create " + g + ": " + Errno();
    return false;
  }
  struct stat st;
  if (lstat(g.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *error = g + " is not a directory";
    return false;
  }
  return true;
}

std::string GenerationStore::ImagePath(uint64_t gen) const {
  return dir_ + "/generations/" + std::to_string(gen) + ".img";
}

bool GenerationStore::Point(const char* name, uint64_t gen, std::string* error) {
  const std::string path = PointerPath(name);
  if (gen == 0) {
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      *error = "cannot remove " + path + ": " + Errno();
      return false;
    }
    SyncDir(dir_);
    return true;
  }
  const std::string tmp = path + ".tmp";
  unlink(tmp.c_str());
  const std::string target = "generations/" + std::to_string(gen) + ".img";
  if (symlink(target.c_str(), tmp.c_str()) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot point " + path + " at " + target + ": " + Errno();
    unlink(tmp.c_str());
    return false;
  }
  SyncDir(dir_);
  return true;
}

std::optional<uint64_t> GenerationStore::Pointer(const char* name) const {
  char buf[PATH_MAX];
  ssize_t n = readlink(PointerPath(name).c_str(), buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  std::string target(buf, static_cast<size_t>(n));
  const std::string prefix = "generations/";
  if (target.rfind(prefix, 0) != 0) return std::nullopt;
  return ImageNumber(target.substr(prefix.size()));
}

void GenerationStore::Remove(uint64_t gen) {
  unlink(ImagePath(gen).c_str());
  SyncDir(dir_ + "/generations");
}

std::vector<uint64_t> GenerationStore::List() const {
  std::vector<uint64_t> out;
  DIR* d = opendir((dir_ + "/generations").c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d))
    if (auto n = ImageNumber(e->d_name)) out.push_back(*n);
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

void GenerationStore::Prune(const std::set<uint64_t>& keep, size_t newest) {
  std::vector<uint64_t> all = List();
  const size_t newest_from = all.size() > newest ? all.size() - newest : 0;
  for (size_t i = 0; i < newest_from; i++)
    if (!keep.count(all[i])) Remove(all[i]);
}

}  // namespace spamwall::controld
