// SpamAssassin's `if` conditions in rule files, evaluated as SpamAssassin
// would on this machine: version, plugin(NAME), can(PACKAGE::METHOD),
// numbers, ! && || and the comparisons, with parentheses.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace spamwall::signatures {

struct SaEnvironment {
  double version = 4.000001;                        // Mail::SpamAssassin::Version, as a number
  std::function<bool(const std::string&)> plugin;   // loaded by a loadplugin line
  std::function<bool(const std::string&)> can;      // the package defines the method
};

// False and `error` set when the expression is not one SpamAssassin takes.
bool EvaluateSaCondition(std::string_view expr, const SaEnvironment& env, bool& value,
                         std::string& error);

}  // namespace spamwall::signatures
