// libFuzzer target: any bytes as a message, scanned with the starter set
// (signatures/starter.sigs) as shipped, and with the starter set plus some
// window-shaped regexes compiled with every gateable regex gated (so that
// literal gates and confirmation windows, runs included, are exercised).
// The first byte picks a chunk size; each engine's hits must equal PCRE2's
// alone, and no PCRE2 limit may be hit.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/signatures/compiler.h"
#include "dataplane/signatures/reference.h"
#include "dataplane/signatures/scanner.h"
#include "dataplane/signatures/signature_file.h"

namespace sw = spamwall::signatures;

namespace {

// Matches start a bounded distance (bytes, or runs of a byte set) before
// a literal, next to lookbehinds, anchors and word boundaries.
constexpr std::string_view kWindowed =
    "W1 spam 1 raw /\\bfree\\s{1,2}\\w{0,5}money\\b/i\n"
    "W2 spam 1 raw /(?<=x)free\\s+money/\n"
    "W3 spam 1 body /\\bad+res+\\s{1,3}line\\b/i\n"
    "W4 spam 1 raw /\\b\\w{6}ing\\s+offer/\n"
    "W5 spam 1 raw /(?:ab|cd){1,3}xyz[sc]+ok/\n"
    "W6 spam 1 raw /li[sc]+ense\\W{0,3}key$/m\n"
    "W7 spam 1 raw /(?<![a-z])b+a+d{2,}\\s?deal/i\n";

struct Engine {
  std::unique_ptr<sw::Database> db;
  std::unique_ptr<sw::ReferenceMatcher> ref;
  std::unique_ptr<sw::Scratch> scratch;
  std::unique_ptr<sw::MessageStream> stream;
};

Engine* Make(const std::vector<sw::Signature>& sigs, const sw::CompileOptions& options) {
  auto* e = new Engine;
  std::string error;
  e->ref = sw::ReferenceMatcher::Create(sigs, sw::MatchLimits{}, error);
  sw::CompileResult c = sw::Compile(sigs, options);
  if (!e->ref || !c.ok()) std::abort();
  e->db = std::move(c.db);
  e->scratch = std::make_unique<sw::Scratch>(*e->db);
  e->stream = std::make_unique<sw::MessageStream>(*e->db);
  return e;
}

// The shipped set, and the set with windows. Held from a static pointer (as
// every target here): LeakSanitizer sees it reachable.
struct Engines {
  Engine* engines[2];
};

const Engines& Get() {
  static Engines* all = [] {
    sw::ParseResult p = sw::ParseSignatureFiles({SPAMWALL_STARTER_SIGS});
    sw::ParseResult w = sw::ParseSignatureText(kWindowed, "windowed.sigs");
    if (!p.ok() || !w.ok()) std::abort();
    std::vector<sw::Signature> both = p.signatures;
    both.insert(both.end(), w.signatures.begin(), w.signatures.end());
    sw::CompileOptions gated;
    gated.gate_source_bytes = 0;
    Engine* g = Make(both, gated);
    for (size_t k = 0; k < w.signatures.size(); ++k) {
      if (!g->db->windowed(static_cast<uint32_t>(p.signatures.size() + k))) std::abort();
    }
    return new Engines{{Make(p.signatures, {}), g}};
  }();
  return *all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 256 * 1024) return 0;
  size_t chunk = 1 + data[0] % 64;
  std::string_view msg(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (Engine* e : Get().engines) {
    for (size_t i = 0; i < msg.size(); i += chunk) e->stream->Feed(msg.substr(i, chunk), *e->scratch);
    sw::ScanResult r;
    e->stream->Finish(*e->scratch, r);
    std::vector<uint32_t> want, limits, got;
    e->ref->Match(msg, want, limits);
    for (const auto& h : r.hits) got.push_back(h.index);
    if (got != want || !limits.empty() || !r.limit_hits.empty()) std::abort();
  }
  return 0;
}
