#include "dataplane/app/run_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "dataplane/app/pcap_input.h"
#include "dataplane/core/durable_file.h"

namespace spamwall {

namespace {

struct Identity {
  bool exists = false, regular = false;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string spelled;  // absolute and normalised
};

Identity IdentityOf(const std::string& path) {
  Identity id;
  std::error_code ec;
  id.spelled = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec).string();
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    id.exists = true;
    id.regular = S_ISREG(st.st_mode);
    id.dev = st.st_dev;
    id.ino = st.st_ino;
  }
  return id;
}

bool Same(const Identity& a, const Identity& b) {
  if (a.exists && b.exists) return a.regular && b.regular && a.dev == b.dev && a.ino == b.ino;
  return !a.exists && !b.exists && a.spelled == b.spelled;
}

}  // namespace

bool CheckDistinctFiles(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs,
                        std::string* error) {
  struct Seen {
    const NamedPath* named;
    Identity id;
    bool input;
  };
  std::vector<Seen> seen;
  for (const NamedPath& in : inputs)
    if (!in.path.empty()) seen.push_back({&in, IdentityOf(in.path), true});
  for (const NamedPath& out : outputs) {
    if (out.path.empty()) continue;
    Identity id = IdentityOf(out.path);
    for (const Seen& other : seen)
      if (Same(id, other.id)) {
        *error = out.option + " and " + other.named->option + " are the same file (" + out.path +
                 (out.path == other.named->path ? "" : " is " + other.named->path) +
                 "): the run would overwrite what it " + (other.input ? "reads" : "writes");
        return false;
      }
    seen.push_back({&out, id, false});
  }
  return true;
}

bool VerifyPcapOutput(const std::string& option, const std::string& path, uint64_t frames,
                      std::vector<std::string>* warnings, std::string* error) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return true;  // /dev/null
  PcapInfo info;
  if (!InspectPcap(path, &info, error)) {
    *error = option + ": " + *error + "; " + std::to_string(frames) +
             " frames were written to it (a full disk?)";
    return false;
  }
  if (info.packets != frames) {
    *error = option + " " + path + ": holds " + std::to_string(info.packets) + " of the " +
             std::to_string(frames) + " frames written to it (a short write: a full disk?)";
    return false;
  }
  if (info.cut > 0)
    warnings->push_back(option + " " + path + ": " + std::to_string(info.cut) +
                        " frames were longer than the capture's snap length (" +
                        std::to_string(info.snaplen) + " bytes) and are cut short in it");
  return true;
}

bool WriteStatsFile(const std::string& path, const std::string& content, std::string* error) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    bool ok = fd >= 0 && WriteAll(fd, content.data(), content.size());
    const int err = errno;
    if (fd >= 0 && close(fd) != 0 && ok) ok = false;
    if (!ok) *error = path + ": " + std::strerror(fd < 0 ? errno : err);
    return ok;
  }
  return WriteFileDurably(path, 0644, content, error);
}

}  // namespace spamwall
