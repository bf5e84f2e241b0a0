// libFuzzer target: any text as a signature file. A refused file names the
// file and line of each refusal and yields no signatures; an accepted one's
// signatures format to lines that parse back to the same signatures.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dataplane/signatures/signature_file.h"

namespace sw = spamwall::signatures;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sw::ParseResult r = sw::ParseSignatureText(text, "fuzz.sigs");
  if (!r.ok()) {
    if (!r.signatures.empty()) std::abort();
    for (const auto& e : r.errors) {
      if (e.rfind("fuzz.sigs:", 0) != 0) std::abort();
    }
    return 0;
  }
  std::string again;
  for (const auto& s : r.signatures) again += sw::FormatSignature(s) + "\n";
  sw::ParseResult back = sw::ParseSignatureText(again, "again.sigs");
  if (!back.ok() || back.signatures.size() != r.signatures.size()) std::abort();
  for (size_t i = 0; i < r.signatures.size(); ++i) {
    const auto& a = r.signatures[i];
    const auto& b = back.signatures[i];
    if (a.id != b.id || a.cls != b.cls || a.score != b.score || a.scope != b.scope ||
        a.kind != b.kind || a.pattern != b.pattern || !(a.flags == b.flags)) {
      std::abort();
    }
  }
  return 0;
}
