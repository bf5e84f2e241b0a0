#include "control/controld/controller.h"

#include <unistd.h>

#include <chrono>

#include "control/controld/atomic_file.h"
#include "control/controld/policy_diff.h"
#include "control/policy/policy_loader.h"
#include "dataplane/core/policy_image.h"

namespace spamwall::controld {

using proto::Reply;

double MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<std::string> ErrorLines(const Diagnostics& d) {
  std::vector<std::string> lines;
  for (const auto& e : d.errors) lines.push_back(e.ToString());
  return lines;
}

std::string RefusalMessage(const std::vector<std::string>& errors) {
  std::string s = "policy refused:";
  for (const auto& e : errors) s += "\n" + e;
  return s;
}

Controller::Controller(Config cfg, DataplaneLink* link, AuditLog* audit)
    : cfg_(std::move(cfg)), link_(link), audit_(audit) {}

bool Controller::Init(std::string* error) {
  gid_t gid;
  if (!cfg_.socket_group.empty() && proto::LookupGroup(cfg_.socket_group, &gid)) group_ = gid;
  std::string read_error;
  if (auto g = ReadWholeFile(cfg_.state_dir + "/generation", &read_error)) {
    try {
      last_generation_ = std::stoull(*g);
    } catch (const std::exception&) {
      *error = cfg_.state_dir + "/generation: not a number";
      return false;
    }
  } else if (!read_error.empty()) {
    *error = read_error;
    return false;
  }
  if (!LoadOverlay(OverlayPath(), &overlay_, error)) return false;
  if (cfg_.policy.empty()) return true;

  Diagnostics diag;
  std::optional<Policy> file = LoadPolicyFile(cfg_.policy, &diag);
  Built built;
  Reply refusal;
  if (!file) {
    *error = RefusalMessage(ErrorLines(diag));
    return false;
  }
  if (!Build(*file, overlay_, cfg_.policy, &built, &refusal)) {
    *error = refusal.message;
    return false;
  }
  built.record.pushed_by = "spamwall-controld (start)";
  std::lock_guard<std::mutex> lock(mu_);
  pending_user_ = built.record.pushed_by;
  current_ = std::move(built.record);
  uint64_t dp_gen;
  std::string why;
  // No dataplane yet is fine: the sampler pushes when it appears.
  if (DataplaneGeneration(&dp_gen, &why)) {
    PolicyRecord rec = *current_;
    current_.reset();
    nlohmann::json dp;
    if (!Send(std::move(rec), "spamwall-controld start: " + cfg_.policy, &dp, &refusal)) {
      *error = refusal.message;
      return false;
    }
  }
  return true;
}

bool Controller::CheckPeer(const proto::Peer& peer, std::string* why) const {
  if (peer.uid == 0 || peer.uid == geteuid()) return true;
  if (group_ && proto::PeerHasGroup(peer, *group_)) return true;
  *why = peer.ToString() + " may not use " + cfg_.socket + ": it takes root, uid " +
         std::to_string(geteuid()) + " (controld's user)" +
         (cfg_.socket_group.empty() ? std::string()
                                    : " or membership in group '" + cfg_.socket_group + "'");
  return false;
}

bool Controller::Build(Policy file_policy, const Overlay& overlay, const std::string& source,
                       Built* out, Reply* refusal) {
  PolicyRecord& rec = out->record;
  rec.overlay = overlay;
  rec.source = source;
  std::string error;
  if (!MergeOverlay(file_policy, overlay, OverlayPath(), &rec.merged, &error)) {
    out->errors = {"overlay " + OverlayPath() + ": " + error};
    *refusal = Reply::Error(proto::kRefused, RefusalMessage(out->errors));
    return false;
  }
  auto t0 = std::chrono::steady_clock::now();
  Diagnostics diag;
  std::unique_ptr<CompiledPolicy> compiled = CompilePolicy(rec.merged, CompileOptions{}, &diag);
  out->compile_ms = MsSince(t0);
  if (!compiled || !diag.ok()) {
    out->errors = ErrorLines(diag);
    *refusal = Reply::Error(proto::kRefused, RefusalMessage(out->errors));
    return false;
  }
  for (const auto& w : diag.warnings) rec.warnings.push_back(w.ToString());
  rec.summary = compiled->summary;
  rec.file_policy = std::move(file_policy);
  t0 = std::chrono::steady_clock::now();
  // The generation is given when it is pushed (a rollback or a re-push sends
  // an image again under another): 0 in the image for now.
  PolicyImageMeta meta;
  meta.origin = "spamwall-controld";
  meta.source = source;
  meta.created_at = IsoUtc(std::chrono::system_clock::now());
  int fd = CreatePolicyImageFd(*compiled, meta, {}, nullptr, &error);
  out->image_ms = MsSince(t0);
  if (fd < 0) {
    out->errors = {"cannot build the policy image: " + error};
    *refusal = Reply::Error(proto::kInternal, out->errors[0]);
    return false;
  }
  rec.image = std::make_shared<UniqueFd>(fd);
  return true;
}

const PolicyKeys* KeysFor(PolicyRecord* rec) {
  if (rec == nullptr) return nullptr;
  if (!rec->keys) rec->keys = KeysOf(rec->merged);
  return rec->keys.get();
}

uint64_t Controller::NextGeneration() const { return last_generation_ + 1; }

bool Controller::DataplaneGeneration(uint64_t* gen, std::string* error) {
  nlohmann::json reply;
  if (!link_->Call("hello", nlohmann::json::object(), &reply, error)) return false;
  if (!reply.value("ok", false)) {
    *error = "the dataplane answered hello with: " + proto::ReplyError(reply);
    return false;
  }
  *gen = reply["result"].value("generation", uint64_t{0});
  last_generation_ = std::max(last_generation_, *gen);
  return true;
}

bool Controller::Send(PolicyRecord rec, const std::string& origin, nlohmann::json* dp,
                      Reply* refusal) {
  const uint64_t gen = NextGeneration();
  nlohmann::json reply;
  std::string error;
  if (!link_->Call("policy.load", {{"generation", gen}, {"origin", origin}}, &reply, &error,
                   rec.image->get())) {
    counters_.pushes["unavailable"]++;
    *refusal = Reply::Error(proto::kUnavailable, error);
    return false;
  }
  if (!reply.value("ok", false)) {
    counters_.pushes["refused"]++;
    *refusal = Reply::Error(proto::kRefused, "the dataplane refused the policy: " + proto::ReplyError(reply));
    return false;
  }
  *dp = reply["result"];
  last_generation_ = gen;
  std::string save_error;
  if (!AtomicWriteFile(cfg_.state_dir + "/generation", std::to_string(gen) + "\n", &save_error))
    fprintf(stderr, "spamwall-controld: %s (the count restarts lower after a restart)\n", save_error.c_str());
  counters_.pushes["ok"]++;
  counters_.generation = gen;
  rec.generation = gen;
  rec.on_dataplane = true;
  rec.pushed_by = pending_user_;
  rec.pushed_at = IsoUtc(std::chrono::system_clock::now());
  if (current_) previous_ = std::move(current_);
  current_ = std::move(rec);
  return true;
}

void Controller::OnDataplaneConnect() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!current_) return;
  uint64_t dp_gen;
  std::string error;
  if (!DataplaneGeneration(&dp_gen, &error)) return;
  if (current_->on_dataplane && dp_gen == current_->generation) return;
  nlohmann::json reply;
  if (current_->on_dataplane) {
    // A restarted dataplane: the same image under the same generation.
    bool ok = link_->Call("policy.load",
                          {{"generation", current_->generation},
                           {"origin", "spamwall-controld re-push: " + current_->source}},
                          &reply, &error, current_->image->get()) &&
              reply.value("ok", false);
    fprintf(stderr, "spamwall-controld: dataplane runs generation %llu, re-pushed %llu: %s\n",
            static_cast<unsigned long long>(dp_gen),
            static_cast<unsigned long long>(current_->generation),
            ok ? "ok" : (error.empty() ? proto::ReplyError(reply) : error).c_str());
    return;
  }
  // Compiled at start while no dataplane was there: its first push.
  PolicyRecord rec = *current_;
  current_.reset();
  pending_user_ = rec.pushed_by;
  Reply refusal;
  nlohmann::json dp;
  if (!Send(rec, "spamwall-controld start: " + rec.source, &dp, &refusal)) {
    current_ = std::move(rec);
    fprintf(stderr, "spamwall-controld: first push failed: %s\n", refusal.message.c_str());
  }
}

ControldCounters Controller::Counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

}  // namespace spamwall::controld
