#include "control/policy/policy_signatures.h"

#include <charconv>
#include <memory>
#include <mutex>
#include <string_view>

#include "dataplane/signatures/compiler.h"
#include "dataplane/signatures/serialize.h"
#include "dataplane/signatures/signature_file.h"

namespace spamwall {

namespace {

// "FILE:LINE: message" (the parser's) or "ID (FILE:LINE): why" (the
// compiler's) as a Diagnostic naming that file and line.
Diagnostic ToDiagnostic(const std::string& text, const Policy& policy) {
  for (const Policy::SignatureFile& f : policy.signature_files) {
    std::string_view rest = text;
    std::string id;
    const size_t paren = text.find(" (" + f.path + ":");
    if (paren != std::string::npos) {  // the compiler's
      id = text.substr(0, paren);
      rest.remove_prefix(paren + 2);
    }
    if (rest.substr(0, f.path.size() + 1) != f.path + ":") continue;
    rest.remove_prefix(f.path.size() + 1);
    uint32_t line = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), line);
    if (ec != std::errc()) continue;
    rest.remove_prefix(static_cast<size_t>(end - rest.data()));
    const std::string_view sep = id.empty() ? ": " : "): ";
    if (rest.substr(0, sep.size()) != sep) continue;
    rest.remove_prefix(sep.size());
    return {f.path, line, 0, (id.empty() ? "" : "signature " + id + ": ") + std::string(rest)};
  }
  return {policy.files.empty() ? std::string() : policy.files[0], 0, 0, "signatures: " + text};
}

// The last set compiled: its files and what they made.
struct Compiled {
  std::vector<Policy::SignatureFile> files;
  std::shared_ptr<const signatures::Database> db;
  std::string bytes;
};
std::mutex last_mu;
std::shared_ptr<const Compiled> last;

}  // namespace

bool CompilePolicySignatures(const Policy& policy, CompiledPolicy* out, Diagnostics* diag) {
  out->signature_db.clear();
  out->signatures.reset();
  if (policy.signatures.empty()) return true;
  const std::string policy_file = policy.files.empty() ? std::string() : policy.files[0];
  if (policy.signature_files.size() != policy.signatures.size()) {
    // A model saved before the texts were kept, or a policy given as text
    // (no directory to read from): it scans nothing, and says so.
    diag->warnings.push_back({policy_file, 0, 0,
                              "signatures: the files were not read (a policy given as text, or a "
                              "generation saved before signatures were compiled): this generation "
                              "scans with none; push the policy file again"});
    return true;
  }
  std::shared_ptr<const Compiled> have;
  {
    std::lock_guard<std::mutex> lock(last_mu);
    have = last;
  }
  if (!have || have->files != policy.signature_files) {
    std::vector<signatures::SignatureText> texts;
    for (const Policy::SignatureFile& f : policy.signature_files) texts.push_back({f.path, f.text});
    signatures::ParseResult parsed = signatures::ParseSignatureTexts(texts);
    for (const std::string& e : parsed.errors) diag->errors.push_back(ToDiagnostic(e, policy));
    if (!parsed.ok()) return false;
    if (parsed.signatures.empty()) return true;  // comments only: nothing to carry or scan
    signatures::CompileResult compiled = signatures::Compile(std::move(parsed.signatures));
    for (const std::string& e : compiled.errors) diag->errors.push_back(ToDiagnostic(e, policy));
    if (!compiled.ok()) return false;
    auto next = std::make_shared<Compiled>();
    std::string error;
    next->bytes = signatures::SerializeDatabase(*compiled.db, error);
    if (next->bytes.empty()) {
      diag->errors.push_back({policy_file, 0, 0, "signatures: " + error});
      return false;
    }
    next->files = policy.signature_files;
    next->db = std::move(compiled.db);
    std::lock_guard<std::mutex> lock(last_mu);
    last = next;
    have = std::move(next);
  }
  out->signature_db = have->bytes;
  out->signatures = have->db;
  return true;
}

}  // namespace spamwall
