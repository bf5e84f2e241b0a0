#include "ipc/api/file_bundle.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ipc/regular_file.h"

namespace spamwall::api {

size_t FileBundle::bytes() const {
  size_t n = 0;
  for (const auto& f : files) n += f.bytes.size();
  return n;
}

const BundleFile* FileBundle::Find(const std::string& path) const {
  for (const auto& f : files)
    if (f.path == path) return &f;
  return nullptr;
}

bool AddFile(const std::string& path, FileBundle* b, std::string* error, bool follow_links) {
  std::error_code ec;
  const std::string abs = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (b->Find(abs)) return true;
  if (b->files.size() >= kMaxBundleFiles) {
    *error = abs + ": more than " + std::to_string(kMaxBundleFiles) + " files in one request";
    return false;
  }
  const size_t used = b->bytes();
  proto::ReadFileOptions opts;
  opts.max_bytes = kMaxBundleBytes - used;
  opts.follow_links = follow_links;
  auto bytes = proto::ReadRegularFile(abs, opts, error);
  if (!bytes) return false;
  b->files.push_back({abs, std::move(*bytes)});
  return true;
}

bool BundleToWire(const FileBundle& b, nlohmann::json* args, UniqueFd* fd, std::string* error) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : b.files) list.push_back({{"path", f.path}, {"size", f.bytes.size()}});
  (*args)["bundle"] = {{"files", list}};
  UniqueFd m(memfd_create("spamwall-bundle", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!m.valid()) {
    *error = std::string("memfd_create: ") + std::strerror(errno);
    return false;
  }
  for (const auto& f : b.files) {
    size_t off = 0;
    while (off < f.bytes.size()) {
      ssize_t n = write(m.get(), f.bytes.data() + off, f.bytes.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        *error = "writing the bundle: " + std::string(std::strerror(errno));
        return false;
      }
      off += static_cast<size_t>(n);
    }
  }
  // Sealed: what controld checks is what it reads.
  if (fcntl(m.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    *error = "sealing the bundle: " + std::string(std::strerror(errno));
    return false;
  }
  *fd = std::move(m);
  return true;
}

bool BundleFromWire(const nlohmann::json& args, int fd, FileBundle* b, std::string* error) {
  b->files.clear();
  const auto it = args.find("bundle");
  if (it == args.end() || !it->is_object() || !it->contains("files") || !(*it)["files"].is_array()) {
    *error = "'bundle' ({\"files\": [{\"path\", \"size\"}...]} with a sealed memfd) is required";
    return false;
  }
  const auto& list = (*it)["files"];
  if (list.empty() || list.size() > kMaxBundleFiles) {
    *error = "a bundle holds 1.." + std::to_string(kMaxBundleFiles) + " files, not " +
             std::to_string(list.size());
    return false;
  }
  uint64_t total = 0;
  for (const auto& f : list) {
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("size") ||
        !f["size"].is_number_integer() || f["size"].get<int64_t>() < 0) {
      *error = "bundle files are {\"path\": string, \"size\": integer >= 0}";
      return false;
    }
    const std::string path = f["path"].get<std::string>();
    if (path.empty() || path[0] != '/' || path.size() > 4096 || path.find('\0') != std::string::npos) {
      *error = "bundle paths are absolute, at most 4096 bytes, without NUL";
      return false;
    }
    total += f["size"].get<uint64_t>();
    if (total > kMaxBundleBytes) {
      *error = "the bundle is larger than " + std::to_string(kMaxBundleBytes) + " bytes";
      return false;
    }
    b->files.push_back({path, {}});
  }
  constexpr int kNeeded = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  const int seals = fd >= 0 ? fcntl(fd, F_GET_SEALS) : -1;
  struct stat st;
  if (seals < 0 || (seals & kNeeded) != kNeeded || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "the bundle must come as a sealed memfd (it could change, or block, while read)";
    return false;
  }
  if (static_cast<uint64_t>(st.st_size) != total) {
    *error = "the bundle's memfd holds " + std::to_string(st.st_size) + " bytes, its listing " +
             std::to_string(total);
    return false;
  }
  off_t off = 0;
  for (size_t i = 0; i < b->files.size(); i++) {
    std::string& bytes = b->files[i].bytes;
    bytes.resize(list[i]["size"].get<size_t>());
    size_t got = 0;
    while (got < bytes.size()) {
      ssize_t n = pread(fd, bytes.data() + got, bytes.size() - got, off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        *error = "reading the bundle: " + std::string(n == 0 ? "short" : std::strerror(errno));
        return false;
      }
      got += static_cast<size_t>(n);
      off += n;
    }
  }
  return true;
}

}  // namespace spamwall::api
