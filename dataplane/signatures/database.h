// A compiled signature set: Hyperscan streaming databases (one for the raw
// scope, one for the body scope) and, for each pattern Hyperscan takes only
// as a prefilter, its PCRE2 confirmation. Immutable once built; shared by
// every scanning thread (each with its own Scratch).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/signatures/pcre2_regex.h"
#include "dataplane/signatures/signature.h"

struct hs_database;

namespace spamwall::signatures {

// How a signature is matched.
enum class Plan : uint8_t {
  kExact = 0,      // Hyperscan alone
  kPrefilter = 1,  // Hyperscan HS_FLAG_PREFILTER, then PCRE2 over the scope's bytes
  kGate = 2,       // Hyperscan finds literals every match contains (literal_gate.h);
                   // when all factors are present, PCRE2 over the scope's bytes
};

// One factor of a gated signature: a Hyperscan id (signatures().size() +
// its place in gates()) reports that the factor's literal was seen.
//
// At most one factor of a signature is its window: every match starts at
// most `window_back` + `window_runs` x R bytes before the end of one of its
// literals and at least `window_front` bytes before it (literal_gate.h's
// lead plus the longest literal; the shortest literal), R being the
// message's longest run of bytes of one of `run_classes`. Its literals are
// reported at every place (not once per message), and the confirmation
// tries only the starts in those windows (PCRE2's offset limit), not the
// whole scope.
struct GateFactor {
  uint32_t sig = 0;
  uint32_t bit = 0;  // 0..31
  bool window = false;
  uint32_t window_back = 0;
  uint32_t window_front = 0;
  uint32_t window_runs = 0;
  std::vector<std::string> run_classes;  // each a set of bytes; when window_runs > 0
};

struct CompileOptions {
  MatchLimits limits;
  // Bytes of each message kept for confirmations; a longer message's
  // candidates are confirmed over its first bytes and counted (truncated).
  uint32_t max_message_bytes = 16u << 20;
  // A regex longer than this with a literal gate is gated rather than
  // exact (big patterns are where Hyperscan's automata and compile time
  // grow). Up to it, Hyperscan exact is tried first: at 160 rather than
  // 1,200 the SpamAssassin set scanned 5.5 rather than 5.8 MB/s, 46 more
  // rules gated (bench/README.md).
  uint32_t gate_source_bytes = 1200;
  // A regex longer than this with no gate is prefiltered rather than exact,
  // when Hyperscan takes it as a prefilter (0: never).
  uint32_t prefilter_source_bytes = 0;
  // A gated regex whose matches start a bounded distance before one of its
  // factors' literals is confirmed only around that factor's places.
  bool confirmation_windows = true;
};

class Database {
 public:
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::vector<Signature>& signatures() const { return sigs_; }
  Plan plan(uint32_t index) const { return plans_[index]; }
  const Pcre2Regex* confirmation(uint32_t index) const { return confirm_[index].get(); }
  // Whether a gated signature's confirmation searches windows only.
  bool windowed(uint32_t index) const { return window_of_[index] != kNoWindow; }
  // A windowed signature's window factor.
  const GateFactor& window(uint32_t index) const { return gates_[window_of_[index]]; }
  size_t windowed_count() const { return windowed_count_; }
  const CompileOptions& options() const { return options_; }
  bool needs_confirmation() const { return prefilter_count_ + gate_count_ > 0; }
  size_t exact_count() const { return sigs_.size() - prefilter_count_ - gate_count_; }
  size_t prefilter_count() const { return prefilter_count_; }
  size_t gate_count() const { return gate_count_; }
  const std::vector<GateFactor>& gates() const { return gates_; }
  // The mask of a gated signature's factors (all must be seen); 0 otherwise.
  uint32_t gate_mask(uint32_t index) const { return gate_mask_[index]; }
  // Null when no signature has that scope.
  const hs_database* raw_db() const { return raw_; }
  const hs_database* body_db() const { return body_; }

 private:
  friend class DatabaseBuilder;
  Database() = default;
  std::vector<Signature> sigs_;
  std::vector<Plan> plans_;
  std::vector<std::unique_ptr<Pcre2Regex>> confirm_;
  size_t prefilter_count_ = 0;
  size_t gate_count_ = 0;
  std::vector<GateFactor> gates_;
  std::vector<uint32_t> gate_mask_;
  static constexpr uint32_t kNoWindow = UINT32_MAX;
  std::vector<uint32_t> window_of_;  // per signature: its window's place in gates_
  size_t windowed_count_ = 0;
  CompileOptions options_;
  hs_database* raw_ = nullptr;
  hs_database* body_ = nullptr;
};

// Builds a Database from parts (the compiler, the deserializer).
class DatabaseBuilder {
 public:
  // Takes ownership of the Hyperscan databases; compiles the confirmations
  // of kPrefilter signatures. Null and `error` set on failure.
  static std::unique_ptr<Database> Assemble(std::vector<Signature> sigs, std::vector<Plan> plans,
                                            std::vector<GateFactor> gates,
                                            const CompileOptions& options, hs_database* raw,
                                            hs_database* body, std::string& error);
};

}  // namespace spamwall::signatures
