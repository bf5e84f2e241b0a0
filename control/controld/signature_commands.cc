// signatures.check|show|push|clear (docs/control-protocol.md): the
// signature files a policy names, judged and shown on their own, and
// replaced at run time. The set travels with the policy (its `signatures:`
// list, compiled into each generation by CompilePolicySignatures); `check`
// runs the same parser and compiler over files the client sent, `show` says
// what the live generation carries and what the samplers scanned with it,
// `push` makes files the client sent the set of every generation from now
// on (an overlay change, overlay.h: SignatureOverride) until `clear`.
#include <chrono>
#include <string>
#include <vector>

#include "control/controld/command_args.h"
#include "control/controld/controller.h"
#include "dataplane/signatures/compiler.h"
#include "dataplane/signatures/serialize.h"
#include "dataplane/signatures/signature_file.h"
#include "ipc/api/controld_api.h"

namespace spamwall::controld {

using proto::Reply;
using proto::Request;

namespace {

using SignatureFiles = std::vector<Policy::SignatureFile>;

// The files a client sent, as the policy model keeps them.
SignatureFiles FilesOf(api::FileBundle&& b) {
  SignatureFiles files;
  for (api::BundleFile& f : b.files) files.push_back({f.path, std::move(f.bytes)});
  return files;
}

// The parser's view of `files` (which must outlive the call).
signatures::ParseResult Parse(const SignatureFiles& files) {
  std::vector<signatures::SignatureText> texts;
  for (const Policy::SignatureFile& f : files) texts.push_back({f.path, f.text});
  return signatures::ParseSignatureTexts(texts);
}

// Per file: how many of the set came from it (origins are "FILE:LINE").
std::vector<api::ctl::SignatureFileInfo> PerFile(const SignatureFiles& files,
                                                const std::vector<signatures::Signature>& sigs) {
  std::vector<api::ctl::SignatureFileInfo> out;
  for (const auto& [path, text] : files) {
    api::ctl::SignatureFileInfo f;
    f.path = path;
    f.bytes = text.size();
    for (const auto& s : sigs)
      if (s.origin.size() > path.size() && s.origin.compare(0, path.size(), path) == 0 && s.origin[path.size()] == ':')
        f.signatures++;
    out.push_back(std::move(f));
  }
  return out;
}

Reply Refused(const std::vector<std::string>& errors) {
  std::string m = "signatures refused:";
  for (size_t i = 0; i < errors.size() && i < 100; i++) m += "\n" + errors[i];
  if (errors.size() > 100) m += "\nand " + std::to_string(errors.size() - 100) + " more";
  return Reply::Error(proto::kRefused, m);
}

}  // namespace

Reply Controller::SignaturesCheck(const Request& r) {
  api::FileBundle b;
  Reply bad;
  if (!BundleArg(r, &b, &bad)) return bad;
  const auto t0 = std::chrono::steady_clock::now();
  const SignatureFiles files = FilesOf(std::move(b));
  signatures::ParseResult parsed = Parse(files);
  if (!parsed.ok()) return Refused(parsed.errors);
  api::ctl::SignaturesCheckResult res;
  res.files = PerFile(files, parsed.signatures);
  res.signatures = parsed.signatures.size();
  for (const auto& s : parsed.signatures) (s.cls == signatures::SigClass::kMalware ? res.malware : res.spam)++;
  // No lock: a large set (SpamAssassin's) compiles for seconds to minutes.
  signatures::CompileResult compiled = signatures::Compile(std::move(parsed.signatures));
  if (!compiled.ok()) return Refused(compiled.errors);
  res.prefiltered = compiled.db->prefilter_count();
  res.gated = compiled.db->gate_count();
  res.exact = compiled.db->exact_count();
  std::string error;
  const std::string bytes = signatures::SerializeDatabase(*compiled.db, error);
  if (bytes.empty()) return Reply::Error(proto::kRefused, "signatures refused: serializing: " + error);
  res.database_bytes = bytes.size();
  res.compile_ms = MsSince(t0);
  return Reply::Ok(res.ToJson());
}

Reply Controller::SignaturesPush(const Request& r, Overlay* next) {
  api::FileBundle b;
  Reply bad;
  if (!BundleArg(r, &b, &bad)) return bad;
  SignatureOverride o;
  o.files = FilesOf(std::move(b));
  // Parsed here, so that a bad line is refused before the batch compiles;
  // Hyperscan and PCRE2 judge the patterns when the generation is built.
  const signatures::ParseResult parsed = Parse(o.files);
  if (!parsed.ok()) return Refused(parsed.errors);
  if (parsed.signatures.empty())
    return Reply::Error(proto::kRefused, "signatures refused: the files hold no signature (`signatures clear` "
                                         "returns to the policy file's set)");
  o.set = {r.peer.user, IsoUtc(std::chrono::system_clock::now())};
  next->signatures = std::move(o);
  return Reply::Ok(nlohmann::json::object());
}

Reply Controller::SignaturesClear(const Request& r, Overlay* next) {
  std::string error;
  if (!api::ctl::NoArgs(r.args, &error)) return BadArgs(r.cmd + ": " + error);
  if (!next->signatures)
    return Reply::Error(proto::kRefused, "no runtime signature set is pushed: the policy file's signatures are in force");
  next->signatures.reset();
  return Reply::Ok(nlohmann::json::object());
}

Reply Controller::SignaturesShow() {
  api::ctl::SignaturesShowResult res;
  SignatureFiles live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (current_) {
      res.generation = current_->generation;
      live = current_->merged.signature_files;
    }
    res.origin = overlay_.signatures ? "override" : "file";
    if (overlay_.signatures) {
      res.set_by = overlay_.signatures->set.by;
      res.set_at = overlay_.signatures->set.at;
    }
  }
  // The set went live, so it parses; counted here rather than kept.
  const signatures::ParseResult parsed = Parse(live);
  res.files = PerFile(live, parsed.signatures);
  res.signatures = parsed.signatures.size();
  const StatsSample s = sampler_ ? sampler_->Last() : StatsSample{};
  if (!s.up) {
    res.dataplane_error = "the dataplane did not answer the last stats sample";
  } else {
    const nlohmann::json& samplers = s.stats.value("sampling", nlohmann::json::object()).value("samplers", nlohmann::json::array());
    for (const auto& one : samplers) {
      if (!one.is_object() || !one.contains("scan") || !one["scan"].is_object()) continue;
      for (const auto& [k, v] : one["scan"].items())
        if (v.is_number_unsigned()) res.scan[k] = res.scan.value(k, uint64_t{0}) + v.get<uint64_t>();
    }
  }
  return Reply::Ok(res.ToJson());
}

}  // namespace spamwall::controld
