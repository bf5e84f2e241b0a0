#include "dataplane/signatures/compiler.h"

#include <hs/hs.h>

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

}  // namespace

PlanResult PlanSignature(const Signature& sig) {
  PlanResult result;
  std::string source = RegexSource(sig);
  std::string exact_why = TryHyperscan(source, HsFlags(sig, Plan::kExact));
  if (exact_why.empty()) {
    result.ok = true;
    result.plan = Plan::kExact;
    return result;
  }
  std::string pcre_error;
  auto pcre = Pcre2Regex::Compile(sig, pcre_error);
  if (pcre == nullptr) {
    result.why = "Hyperscan: " + exact_why + "; PCRE2: " + pcre_error;
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
  for (size_t i = 0; i < sigs.size(); ++i) {
    PlanResult p = PlanSignature(sigs[i]);
    if (!p.ok) {
      result.errors.push_back(sigs[i].id + " (" + sigs[i].origin + "): " + p.why);
    }
    plans[i] = p.plan;
  }
  if (!result.errors.empty()) return result;

  // Alone each compiles; together Hyperscan may still blame one (a limit):
  // it falls back to a prefilter, then is refused.
  for (;;) {
    ScopeSet raw, body;
    for (size_t i = 0; i < sigs.size(); ++i) {
      ScopeSet& set = sigs[i].scope == Scope::kBody ? body : raw;
      set.sources.push_back(RegexSource(sigs[i]));
      set.flags.push_back(HsFlags(sigs[i], plans[i]));
      set.ids.push_back(static_cast<unsigned>(i));
    }
    int bad = -1;
    std::string why;
    hs_database_t* raw_db = CompileScope(raw, bad, why);
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
    result.db = DatabaseBuilder::Assemble(std::move(sigs), std::move(plans), options, raw_db,
                                          body_db, error);
    if (!result.db) result.errors.push_back(error);
    return result;
  }
}

}  // namespace spamwall::signatures
