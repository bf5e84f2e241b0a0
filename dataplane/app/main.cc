// spamwall-dataplane: see options.h for the command line, README.md for use.
#include <cstdio>

#include "dataplane/app/live_mode.h"
#include "dataplane/app/offline_mode.h"
#include "dataplane/app/options.h"

int main(int argc, char** argv) {
  spamwall::Options options;
  std::string error;
  if (!spamwall::ParseOptions(argc, argv, &options, &error)) {
    if (error == "help") {
      std::fputs(spamwall::kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "spamwall-dataplane: %s\n%s", error.c_str(), spamwall::kUsage);
    return 2;
  }
  return options.offline ? spamwall::RunOffline(options, argv[0])
                         : spamwall::RunLive(options, argv[0]);
}
