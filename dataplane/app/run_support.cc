#include "dataplane/app/run_support.h"

#include <cstdio>

namespace spamwall {

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "spamwall-dataplane: %s\n", message.c_str());
  return code;
}

}  // namespace spamwall
