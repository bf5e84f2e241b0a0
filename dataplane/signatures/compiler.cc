#include "dataplane/signatures/compiler.h"

#include <hs/hs.h>

#include <algorithm>

namespace spamwall::signatures {
namespace {

unsigned HsFlags(const Signature& sig, Plan plan) {
  // One report per stream is all a hit needs (the set of signatures hit).
  unsigned flags = HS_FLAG_SINGLEMATCH;
  if (sig.flags.caseless) flags |= HS_FLAG_CASELESS;
  if (sig.flags.multiline) flags |= HS_FLAG_MULTILINE;
  if (sig.flags.dotall) flags |= HS_FLAG_DOTALL;
  if (plan == Plan::kPrefilter) flags |= HS_FLAG_PREFILTER;
  return flags;
}

// Compiles one expression alone; empty when Hyperscan takes it, else why not.
std::string TryHyperscan(const std::string& source, unsigned flags) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile(source.c_str(), flags, HS_MODE_STREAM, nullptr, &db, &err) == HS_SUCCESS) {
    hs_free_database(db);
    return {};
  }
  std::string why = err != nullptr && err->message != nullptr ? err->message : "unknown error";
  hs_free_compile_error(err);
  return why;
}

struct ScopeSet {
  std::vector<std::string> sources;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
};

// Compiles one scope's expressions; on failure `bad` is the signature index
// Hyperscan blamed (or -1) and `why` its message.
hs_database_t* CompileScope(const ScopeSet& set, int& bad, std::string& why) {
  bad = -1;
  if (set.sources.empty()) return nullptr;
  std::vector<const char*> ptrs;
  for (const std::string& s : set.sources) ptrs.push_back(s.c_str());
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  hs_error_t rc = hs_compile_multi(ptrs.data(), set.flags.data(), set.ids.data(),
                                   static_cast<unsigned>(ptrs.size()), HS_MODE_STREAM, nullptr,
                                   &db, &err);
  if (rc == HS_SUCCESS) return db;
  why = err != nullptr && err->message != nullptr ? err->message : "unknown error";
  if (err != nullptr && err->expression >= 0) bad = static_cast<int>(set.ids[err->expression]);
  hs_free_compile_error(err);
  return nullptr;
}

// The factor whose places bound where a match can start: the one with the
// least lead (the narrowest windows; a run counted as 16 bytes, a guess at
// a message's longest), none when no lead is bounded.
constexpr size_t kMaxWindowBack = 1u << 20;
constexpr size_t kMaxWindowRuns = 64;
constexpr size_t kRunGuess = 16;

void ChooseWindow(const LiteralGate& gate, std::vector<GateFactor>& factors, size_t first) {
  size_t best = SIZE_MAX, best_cost = SIZE_MAX, best_back = 0, best_front = 0;
  for (size_t k = 0; k < gate.factors.size() && k < gate.leads.size(); ++k) {
    if (gate.leads[k] == LiteralGate::kNoLead || gate.lead_runs[k] > kMaxWindowRuns) continue;
    size_t longest = 0, shortest = SIZE_MAX;
    for (const std::string& lit : gate.factors[k]) {
      longest = std::max(longest, lit.size());
      shortest = std::min(shortest, lit.size());
    }
    if (gate.leads[k] > kMaxWindowBack - longest) continue;
    size_t back = gate.leads[k] + longest;
    size_t cost = back + gate.lead_runs[k] * kRunGuess;
    if (cost < best_cost) best = k, best_cost = cost, best_back = back, best_front = shortest;
  }
  if (best == SIZE_MAX) return;
  GateFactor& f = factors[first + best];
  f.window = true;
  f.window_back = static_cast<uint32_t>(best_back);
  f.window_front = static_cast<uint32_t>(best_front);
  f.window_runs = static_cast<uint32_t>(gate.lead_runs[best]);
  if (f.window_runs > 0) f.run_classes = gate.run_classes;
}

}  // namespace

PlanResult PlanSignature(const Signature& sig, const CompileOptions& options) {
  PlanResult result;
  std::string source = RegexSource(sig);
  if (sig.kind == PatternKind::kRegex) result.gate = ExtractLiteralGate(sig);
  std::string pcre_error;
  auto pcre = Pcre2Regex::Compile(sig, pcre_error);
  if (result.gate.ok() && pcre != nullptr && source.size() > options.gate_source_bytes) {
    result.ok = true;
    result.plan = Plan::kGate;
    return result;
  }
  if (options.prefilter_source_bytes > 0 && pcre != nullptr && sig.kind == PatternKind::kRegex &&
      source.size() > options.prefilter_source_bytes &&
      TryHyperscan(source, HsFlags(sig, Plan::kPrefilter)).empty()) {
    result.ok = true;
    result.plan = Plan::kPrefilter;
    return result;
  }
  std::string exact_why = TryHyperscan(source, HsFlags(sig, Plan::kExact));
  if (exact_why.empty()) {
    result.ok = true;
    result.plan = Plan::kExact;
    return result;
  }
  if (pcre == nullptr) {
    result.why = "Hyperscan: " + exact_why + "; PCRE2: " + pcre_error;
    return result;
  }
  if (result.gate.ok()) {
    result.ok = true;
    result.plan = Plan::kGate;
    return result;
  }
  std::string prefilter_why = TryHyperscan(source, HsFlags(sig, Plan::kPrefilter));
  if (prefilter_why.empty()) {
    result.ok = true;
    result.plan = Plan::kPrefilter;
    return result;
  }
  result.why = "Hyperscan: " + exact_why + "; as a prefilter: " + prefilter_why;
  return result;
}

CompileResult Compile(std::vector<Signature> sigs, const CompileOptions& options) {
  CompileResult result;
  std::vector<Plan> plans(sigs.size(), Plan::kExact);
  std::vector<LiteralGate> gates(sigs.size());
  for (size_t i = 0; i < sigs.size(); ++i) {
    PlanResult p = PlanSignature(sigs[i], options);
    if (!p.ok) {
      result.errors.push_back(sigs[i].id + " (" + sigs[i].origin + "): " + p.why);
    }
    plans[i] = p.plan;
    gates[i] = std::move(p.gate);
  }
  if (!result.errors.empty()) return result;
  // Gate factors get the ids after the signatures'.
  std::vector<GateFactor> factors;
  std::vector<std::pair<uint32_t, const std::vector<std::string>*>> factor_literals;
  for (size_t i = 0; i < sigs.size(); ++i) {
    if (plans[i] != Plan::kGate) continue;
    size_t first = factors.size();
    for (size_t k = 0; k < gates[i].factors.size(); ++k) {
      factors.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(k)});
      factor_literals.emplace_back(static_cast<uint32_t>(i), &gates[i].factors[k]);
    }
    // A regex anchored at a line start is left to PCRE2's own start-of-line
    // search, which tries fewer starts than windows around common literals
    // (__FILL_THIS_FORM_PARTIAL over the corpus subset, interleaved: 0.008 s
    // whole against 0.022 s windowed).
    bool line_anchored = !sigs[i].pattern.empty() && sigs[i].pattern[0] == '^';
    if (options.confirmation_windows && !line_anchored) ChooseWindow(gates[i], factors, first);
  }

  // Alone each compiles; together Hyperscan may still blame one (a limit):
  // it falls back to a prefilter, then is refused.
  for (;;) {
    ScopeSet raw, body;
    for (size_t i = 0; i < sigs.size(); ++i) {
      if (plans[i] == Plan::kGate) continue;
      ScopeSet& set = sigs[i].scope == Scope::kBody ? body : raw;
      set.sources.push_back(RegexSource(sigs[i]));
      set.flags.push_back(HsFlags(sigs[i], plans[i]));
      set.ids.push_back(static_cast<unsigned>(i));
    }
    for (size_t f = 0; f < factor_literals.size(); ++f) {
      uint32_t sig = factor_literals[f].first;
      ScopeSet& set = sigs[sig].scope == Scope::kBody ? body : raw;
      for (const std::string& lit : *factor_literals[f].second) {
        Signature l;
        l.kind = PatternKind::kLiteral;
        l.pattern = lit;
        set.sources.push_back(RegexSource(l));
        // A window's literals are reported at every place they occur.
        set.flags.push_back(factors[f].window ? HS_FLAG_CASELESS
                                              : HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS);
        set.ids.push_back(static_cast<unsigned>(sigs.size() + f));
      }
    }
    int bad = -1;
    std::string why;
    hs_database_t* raw_db = CompileScope(raw, bad, why);
    if (bad >= static_cast<int>(sigs.size())) bad = static_cast<int>(factors[bad - sigs.size()].sig);
    if (raw_db == nullptr && !raw.sources.empty()) {
      if (bad >= 0 && plans[bad] == Plan::kExact) {
        plans[bad] = Plan::kPrefilter;
        continue;
      }
      result.errors.push_back(bad >= 0 ? sigs[bad].id + " (" + sigs[bad].origin + "): " + why
                                       : "raw-scope database: " + why);
      return result;
    }
    hs_database_t* body_db = CompileScope(body, bad, why);
    if (bad >= static_cast<int>(sigs.size())) bad = static_cast<int>(factors[bad - sigs.size()].sig);
    if (body_db == nullptr && !body.sources.empty()) {
      hs_free_database(raw_db);
      if (bad >= 0 && plans[bad] == Plan::kExact) {
        plans[bad] = Plan::kPrefilter;
        continue;
      }
      result.errors.push_back(bad >= 0 ? sigs[bad].id + " (" + sigs[bad].origin + "): " + why
                                       : "body-scope database: " + why);
      return result;
    }
    std::string error;
    result.db = DatabaseBuilder::Assemble(std::move(sigs), std::move(plans), std::move(factors),
                                          options, raw_db, body_db, error);
    if (!result.db) result.errors.push_back(error);
    return result;
  }
}

}  // namespace spamwall::signatures
