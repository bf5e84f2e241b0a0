#include "dataplane/app/dataplane_rcu.h"

#include <cstdlib>
#include <cstring>

namespace spamwall {

DataplaneRcu::~DataplaneRcu() { std::free(qsbr_); }

bool DataplaneRcu::Init(unsigned readers, std::string* error) {
  readers_ = readers;
  if (readers == 0) return true;
  // Plain cache-aligned memory, not the EAL heap: the QSBR variable needs
  // no more, and the unit tests run it without an EAL.
  size_t bytes = RTE_ALIGN_CEIL(rte_rcu_qsbr_get_memsize(readers), RTE_CACHE_LINE_SIZE);
  qsbr_ = static_cast<rte_rcu_qsbr*>(std::aligned_alloc(RTE_CACHE_LINE_SIZE, bytes));
  if (qsbr_) std::memset(qsbr_, 0, bytes);
  if (qsbr_ == nullptr || rte_rcu_qsbr_init(qsbr_, readers) != 0) {
    *error = "cannot set up the RCU (QSBR) variable for " + std::to_string(readers) + " readers";
    return false;
  }
  return true;
}

void DataplaneRcu::Synchronize() {
  if (qsbr_) rte_rcu_qsbr_check(qsbr_, rte_rcu_qsbr_start(qsbr_), true);
}

DataplaneRcu::Reader::Reader(DataplaneRcu* rcu, unsigned id) : rcu_(rcu), id_(id) {
  if (rcu_ && rcu_->qsbr_) {
    rte_rcu_qsbr_thread_register(rcu_->qsbr_, id_);
    rte_rcu_qsbr_thread_online(rcu_->qsbr_, id_);
  }
}

DataplaneRcu::Reader::~Reader() {
  if (rcu_ && rcu_->qsbr_) {
    rte_rcu_qsbr_thread_offline(rcu_->qsbr_, id_);
    rte_rcu_qsbr_thread_unregister(rcu_->qsbr_, id_);
  }
}

}  // namespace spamwall
