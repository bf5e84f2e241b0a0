#include "tests/control/processes.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace spamwall::e2e {

std::string BuildDir() {
  const char* dir = std::getenv("SPAMWALL_BUILD_DIR");
  return dir && *dir ? dir : SPAMWALL_BUILD_DIR_DEFAULT;
}

namespace {
std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& out, const std::string& err) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int e = err == out ? o : open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(o, 1);
  dup2(e, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

int Code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }
}  // namespace

Process::Process(const std::vector<std::string>& argv, const std::string& log) : log_(log) {
  pid_ = Spawn(argv, log, log);
}

bool Process::Running() {
  if (pid_ <= 0) return false;
  int st;
  if (waitpid(pid_, &st, WNOHANG) == pid_) {
    status_ = Code(st);
    pid_ = -1;
    return false;
  }
  return true;
}

int Process::Stop() {
  if (pid_ <= 0) return status_;
  kill(pid_, SIGTERM);
  int st = 0;
  for (int i = 0; i < 1000; i++) {
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      status_ = Code(st);
      pid_ = -1;
      return status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &st, 0);
  status_ = Code(st);
  pid_ = -1;
  return status_;
}

std::string Process::Log() const { return Slurp(log_); }

bool WaitForPath(const std::string& path, double timeout_s) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < end) {
    if (access(path.c_str(), F_OK) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

CtlResult RunCtl(const std::string& socket, const std::vector<std::string>& args) {
  static int n = 0;
  std::string base = "/tmp/spamwallctl-e2e-" + std::to_string(getpid()) + "-" + std::to_string(n++);
  std::vector<std::string> argv = {BuildDir() + "/spamwallctl", "-s", socket};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = Spawn(argv, base + ".out", base + ".err");
  int st = 0;
  waitpid(pid, &st, 0);
  CtlResult r{Code(st), Slurp(base + ".out"), Slurp(base + ".err")};
  unlink((base + ".out").c_str());
  unlink((base + ".err").c_str());
  return r;
}

}  // namespace spamwall::e2e
