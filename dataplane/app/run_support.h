// What both run modes do the same way before any port exists.
#ifndef SPAMWALL_DATAPLANE_APP_RUN_SUPPORT_H_
#define SPAMWALL_DATAPLANE_APP_RUN_SUPPORT_H_

#include <string>


namespace spamwall {

// Prints "spamwall-dataplane: message" to stderr and returns code.
int Fail(int code, const std::string& message);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_RUN_SUPPORT_H_
