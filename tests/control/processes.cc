#include "tests/control/processes.h"

#include <unistd.h>

namespace spamwall::e2e {

std::string BuildDir() {
  std::string ctl = golden::BuiltBinary("spamwallctl");
  return ctl.substr(0, ctl.rfind('/'));
}

bool WaitForPath(const std::string& path, double timeout_s) {
  return golden::WaitFor([&] { return access(path.c_str(), F_OK) == 0; }, timeout_s);
}

CtlResult RunCtl(const std::string& socket, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"-s", socket};
  all.insert(all.end(), args.begin(), args.end());
  golden::SplitResult r = golden::RunBinarySplit(golden::BuiltBinary("spamwallctl"), all);
  return {r.exit_code, r.out, r.err};
}

}  // namespace spamwall::e2e
