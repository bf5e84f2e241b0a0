#include "dataplane/signatures/database.h"

#include <hs/hs.h>

namespace spamwall::signatures {

Database::~Database() {
  hs_free_database(raw_);
  hs_free_database(body_);
}

std::unique_ptr<Database> DatabaseBuilder::Assemble(std::vector<Signature> sigs,
                                                    std::vector<Plan> plans,
                                                    std::vector<GateFactor> gates,
                                                    const CompileOptions& options,
                                                    hs_database* raw, hs_database* body,
                                                    std::string& error) {
  std::unique_ptr<Database> db(new Database());
  db->raw_ = raw;
  db->body_ = body;
  db->options_ = options;
  db->confirm_.resize(sigs.size());
  db->gate_mask_.assign(sigs.size(), 0);
  db->windowed_.assign(sigs.size(), 0);
  for (const GateFactor& g : gates) {
    if (g.sig >= sigs.size() || g.bit >= 32 || plans[g.sig] != Plan::kGate) {
      error = "gate table names a signature that is not gated";
      return nullptr;
    }
    db->gate_mask_[g.sig] |= 1u << g.bit;
    if (!g.window) continue;
    if (db->windowed_[g.sig] != 0 || g.window_front == 0 || g.window_front > g.window_back) {
      error = "gate table: " + sigs[g.sig].id + " has a bad confirmation window";
      return nullptr;
    }
    db->windowed_[g.sig] = 1;
    ++db->windowed_count_;
  }
  db->gates_ = std::move(gates);
  for (size_t i = 0; i < sigs.size(); ++i) {
    if (plans[i] == Plan::kExact) continue;
    if (plans[i] == Plan::kGate) {
      ++db->gate_count_;
      if (db->gate_mask_[i] == 0) {
        error = sigs[i].id + ": gated with no factor";
        return nullptr;
      }
    } else {
      ++db->prefilter_count_;
    }
    std::string why;
    db->confirm_[i] = Pcre2Regex::Compile(sigs[i], why, db->windowed_[i] != 0);
    if (db->confirm_[i] == nullptr) {
      error = sigs[i].id + ": PCRE2 refuses its confirmation: " + why;
      return nullptr;
    }
  }
  db->sigs_ = std::move(sigs);
  db->plans_ = std::move(plans);
  return db;
}

}  // namespace spamwall::signatures
