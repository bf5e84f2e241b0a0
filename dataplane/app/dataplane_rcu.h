// The runtime's one RCU (DPDK rte_rcu_qsbr): everything the control path
// publishes to the lcores (a policy generation today; a signature database
// and sampler settings with it later) is freed only after every reader has
// passed a quiescent state. Readers are the roles of the lcore plan
// (lcore_plan.h): workers and samplers, each with the reader id the plan gave
// it, so every reader is known before the first packet and a new kind of
// lcore needs no second RCU variable.
#ifndef SPAMWALL_DATAPLANE_APP_DATAPLANE_RCU_H_
#define SPAMWALL_DATAPLANE_APP_DATAPLANE_RCU_H_

#include <rte_rcu_qsbr.h>

#include <string>

namespace spamwall {

class DataplaneRcu {
 public:
  DataplaneRcu() = default;
  DataplaneRcu(const DataplaneRcu&) = delete;
  DataplaneRcu& operator=(const DataplaneRcu&) = delete;
  ~DataplaneRcu();

  // `readers` reader ids, 0..readers-1. With 0 there is no QSBR variable
  // and Synchronize returns at once (offline mode: the one poll loop is
  // also the only writer).
  bool Init(unsigned readers, std::string* error);
  unsigned readers() const { return readers_; }

  // Control path: returns once every online reader has reported a
  // quiescent state after the call began (rte_rcu_qsbr_start + check, what
  // rte_rcu_qsbr_synchronize does, made from our instrumented code so that
  // ThreadSanitizer sees the readers' quiescent stores synchronise with
  // what the caller frees next; librte_rcu is not instrumented).
  void Synchronize();

  // Reader side, on the reader's own lcore. Quiescent is the hot-path call
  // (once per poll): inline, one store.
  void Quiescent(unsigned reader) {
    if (qsbr_) rte_rcu_qsbr_quiescent(qsbr_, reader);
  }

  // A reader for the scope of its loop: registered and online from
  // construction, offline and unregistered at destruction, so a grace
  // period never waits for a reader that has stopped.
  class Reader {
   public:
    Reader(DataplaneRcu* rcu, unsigned id);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

   private:
    DataplaneRcu* rcu_;
    unsigned id_;
  };

 private:
  rte_rcu_qsbr* qsbr_ = nullptr;
  unsigned readers_ = 0;
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_DATAPLANE_RCU_H_
