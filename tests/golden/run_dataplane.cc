#include "tests/golden/run_dataplane.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace spamwall::golden {

std::string BuiltBinary(const std::string& name) {
  const char* dir = std::getenv("SPAMWALL_BUILD_DIR");
  return std::string(dir && *dir ? dir : SPAMWALL_BUILD_DIR_DEFAULT) + "/" + name;
}

std::string DataplaneBinary() { return BuiltBinary("spamwall-dataplane"); }

namespace {
std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

RunResult RunDataplane(const std::vector<std::string>& args) {
  return RunBinary(DataplaneBinary(), args);
}

RunResult RunBinary(const std::string& binary, const std::vector<std::string>& args) {
  std::string cmd = Quote(binary);
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

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// fork + exec with stdout to `out` and stderr to `err` (the same file when equal).
int Spawn(const std::string& binary, const std::vector<std::string>& args, const std::string& out,
          const std::string& err) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int pid = fork();
  if (pid != 0) return pid;
  int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int e = err == out ? o : open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (o >= 0) dup2(o, 1);
  if (e >= 0) dup2(e, 2);
  execv(binary.c_str(), argv.data());
  _exit(127);
}

int ExitCode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

SplitResult RunBinarySplit(const std::string& binary, const std::vector<std::string>& args) {
  static std::atomic<int> n{0};
  std::string base = (std::filesystem::temp_directory_path() /
                      ("spamwall-run-" + std::to_string(getpid()) + "-" + std::to_string(n++)))
                         .string();
  int pid = Spawn(binary, args, base + ".out", base + ".err");
  int st = 0;
  waitpid(pid, &st, 0);
  SplitResult r{ExitCode(st), Slurp(base + ".out"), Slurp(base + ".err")};
  unlink((base + ".out").c_str());
  unlink((base + ".err").c_str());
  return r;
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0 && status_ < 0) Stop(SIGKILL, 5);
}

bool BackgroundProcess::Start(const std::string& binary, const std::vector<std::string>& args,
                              const std::string& log_path) {
  log_ = log_path;
  pid_ = Spawn(binary, args, log_path, log_path);
  status_ = -1;
  return pid_ > 0;
}

bool BackgroundProcess::running() {
  if (pid_ <= 0 || status_ >= 0) return false;
  int st;
  if (waitpid(pid_, &st, WNOHANG) == pid_) {
    status_ = ExitCode(st);
    return false;
  }
  return true;
}

int BackgroundProcess::Stop(int sig, double timeout_s) {
  if (!running()) return status_;
  kill(pid_, sig);
  if (WaitFor([this] { return !running(); }, timeout_s)) return status_;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  status_ = -1;
  pid_ = -1;
  return -1;
}

std::string BackgroundProcess::Log() const { return Slurp(log_); }

bool WaitFor(const std::function<bool()>& ready, double timeout_s) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < end) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ready();
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
