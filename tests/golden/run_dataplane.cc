#include "tests/golden/run_dataplane.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace spamwall::golden {

std::string DataplaneBinary() {
  const char* dir = std::getenv("SPAMWALL_BUILD_DIR");
  return std::string(dir && *dir ? dir : SPAMWALL_BUILD_DIR_DEFAULT) + "/spamwall-dataplane";
}

namespace {
std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

RunResult RunDataplane(const std::vector<std::string>& args) {
  std::string cmd = Quote(DataplaneBinary());
  for (const auto& a : args) cmd += " " + Quote(a);
  cmd += " 2>&1";
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "spamwall-golden-XXXXXX").string();
  path_ = mkdtemp(tmpl.data()) ? tmpl : std::string();
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

}  // namespace spamwall::golden
