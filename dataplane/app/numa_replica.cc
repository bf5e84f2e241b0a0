#include "dataplane/app/numa_replica.h"

#include <linux/mempolicy.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace spamwall {

namespace {

// This thread's memory policy for the copy's lifetime (Debian's libnuma is
// not a dependency for two system calls).
class PreferredNode {
 public:
  explicit PreferredNode(int node) {
    if (node < 0 || node >= 64) return;
    unsigned long mask = 1UL << node;
    set_ = syscall(SYS_set_mempolicy, MPOL_PREFERRED, &mask, sizeof(mask) * 8) == 0;
  }
  ~PreferredNode() {
    if (set_) syscall(SYS_set_mempolicy, MPOL_DEFAULT, nullptr, 0);
  }

 private:
  bool set_ = false;
};

}  // namespace

std::unique_ptr<CompiledPolicy> ReplicateOnSocket(const CompiledPolicy& source, int socket) {
  PreferredNode on(socket);
  // Poptrie's Storage constructor maps fresh pages and writes every byte of
  // them here: the first touch, which is where the pages are placed.
  auto copy = std::make_unique<CompiledPolicy>(source.v4.storage(), source.v6.storage());
  copy->generation = source.generation;
  copy->mode = source.mode;
  copy->smtp_ports = source.smtp_ports;
  copy->submission_ports = source.submission_ports;
  copy->smtp_flow_rate = source.smtp_flow_rate;
  copy->source = source.source;
  copy->summary = source.summary;
  copy->signatures = source.signatures;  // the engine is read-only and shared; the bytes stay with the source
  return copy;
}

}  // namespace spamwall
