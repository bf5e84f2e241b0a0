// The files an offline run reads and writes, checked so that a run never
// loses data: no output is also an input or another output (compared by
// device and inode, so links and other spellings of a path are caught), and
// after the run every output holds exactly what the run says it wrote.
#ifndef SPAMWALL_DATAPLANE_APP_RUN_FILES_H_
#define SPAMWALL_DATAPLANE_APP_RUN_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace spamwall {

struct NamedPath {
  std::string option;  // "--pcap-out", for the message
  std::string path;    // "" when not given
};

// False with *error ("--pcap-out and --pcap-in are the same file (PATH)")
// when an output is the same file as an input or as another output.
// Paths that do not exist yet are compared by their absolute, normalised
// spelling; devices such as /dev/null may be named more than once.
bool CheckDistinctFiles(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs,
                        std::string* error);

// After the ports are closed (net_pcap has flushed and closed its dumper):
// `path` must hold `frames` records. Fewer is a short write (a full disk:
// libpcap's dumper does not report it); a record cut to the capture's snap
// length is a warning line in *warnings.
bool VerifyPcapOutput(const std::string& option, const std::string& path, uint64_t frames,
                      std::vector<std::string>* warnings, std::string* error);

// STATS.json: written durably (durable_file.h) when `path` is a regular file
// or absent; written straight through, every write checked, when it is a
// device or a pipe (/dev/stdout).
bool WriteStatsFile(const std::string& path, const std::string& content, std::string* error);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_RUN_FILES_H_
