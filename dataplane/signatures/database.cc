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
  db->window_of_.assign(sigs.size(), Database::kNoWindow);
  for (size_t k = 0; k < gates.size(); ++k) {
    const GateFactor& g = gates[k];
    if (g.sig >= sigs.size() || g.bit >= 32 || plans[g.sig] != Plan::kGate) {
      error = "gate table names a signature that is not gated";
      return nullptr;
    }
    db->gate_mask_[g.sig] |= 1u << g.bit;
    if (!g.window) continue;
    bool classes_ok = g.window_runs == 0 || !g.run_classes.empty();
    for (const std::string& c : g.run_classes) classes_ok = classes_ok && !c.empty() && c.size() <= 256;
    if (db->window_of_[g.sig] != Database::kNoWindow || g.window_front == 0 ||
        g.window_front > g.window_back || !classes_ok) {
      error = "gate table: " + sigs[g.sig].id + " has a bad confirmation window";
      return nullptr;
    }
    db->window_of_[g.sig] = static_cast<uint32_t>(k);
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
    db->confirm_[i] = Pcre2Regex::Compile(sigs[i], why, db->window_of_[i] != Database::kNoWindow);
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
