// Runs the real spamwall-dataplane binary as a subprocess, as an operator
// would, for the end-to-end tests.
#ifndef SPAMWALL_TESTS_GOLDEN_RUN_DATAPLANE_H_
#define SPAMWALL_TESTS_GOLDEN_RUN_DATAPLANE_H_

#include <string>
#include <vector>

namespace spamwall::golden {

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// The binary built beside the tests ($SPAMWALL_BUILD_DIR overrides).
std::string DataplaneBinary();

RunResult RunDataplane(const std::vector<std::string>& args);

// A fresh directory under /tmp, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace spamwall::golden

#endif  // SPAMWALL_TESTS_GOLDEN_RUN_DATAPLANE_H_
