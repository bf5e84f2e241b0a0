// libFuzzer target: any bytes as a message, scanned with the starter set
// (signatures/starter.sigs). The first byte picks a chunk size; the engine's
// hits must equal PCRE2's alone, and no PCRE2 limit may be hit.
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

struct Engine {
  std::unique_ptr<sw::Database> db;
  std::unique_ptr<sw::ReferenceMatcher> ref;
  std::unique_ptr<sw::Scratch> scratch;
  std::unique_ptr<sw::MessageStream> stream;
};

Engine& Get() {
  static Engine* e = [] {
    auto* e = new Engine;
    sw::ParseResult p = sw::ParseSignatureFiles({SPAMWALL_STARTER_SIGS});
    if (!p.ok()) std::abort();
    std::string error;
    e->ref = sw::ReferenceMatcher::Create(p.signatures, sw::MatchLimits{}, error);
    sw::CompileResult c = sw::Compile(p.signatures);
    if (!e->ref || !c.ok()) std::abort();
    e->db = std::move(c.db);
    e->scratch = std::make_unique<sw::Scratch>(*e->db);
    e->stream = std::make_unique<sw::MessageStream>(*e->db);
    return e;
  }();
  return *e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 256 * 1024) return 0;
  Engine& e = Get();
  size_t chunk = 1 + data[0] % 64;
  std::string_view msg(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (size_t i = 0; i < msg.size(); i += chunk) e.stream->Feed(msg.substr(i, chunk), *e.scratch);
  sw::ScanResult r;
  e.stream->Finish(*e.scratch, r);
  std::vector<uint32_t> want, limits, got;
  e.ref->Match(msg, want, limits);
  for (const auto& h : r.hits) got.push_back(h.index);
  if (got != want || !limits.empty() || !r.limit_hits.empty()) std::abort();
  return 0;
}
