// spamwallctl's human output: one function per command result.
#ifndef SPAMWALL_CONTROL_CTL_OUTPUT_H_
#define SPAMWALL_CONTROL_CTL_OUTPUT_H_

#include <string>

#include <nlohmann/json.hpp>

namespace spamwall::ctl {

// The text for the ok result of `cmd` (a controld command name), read as
// its typed result (ipc/api/controld_results.h). False, with *out saying
// which field, when the result does not read as that type.
bool FormatResult(const std::string& cmd, const nlohmann::json& result, std::string* out);

// --since: unix seconds, or a UTC date/time "YYYY-MM-DD", "YYYY-MM-DDTHH:MM",
// "YYYY-MM-DDTHH:MM:SS" (a space for the T too). False with *error.
bool ParseSince(const std::string& text, double* out, std::string* error);

}  // namespace spamwall::ctl

#endif  // SPAMWALL_CONTROL_CTL_OUTPUT_H_
