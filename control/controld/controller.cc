#include "control/controld/controller.h"

#include <unistd.h>

#include <chrono>
#include <random>

#include "control/controld/atomic_file.h"
#include "control/controld/policy_diff.h"
#include "control/controld/policy_source.h"
#include "control/policy/policy_loader.h"
#include "control/policy/policy_snapshot.h"
#include "dataplane/core/policy_image.h"
#include "ipc/api/dataplane_api.h"
#include "ipc/regular_file.h"
#include "ipc/wire.h"

namespace spamwall::controld {

using proto::Reply;

namespace {

// How long a dataplane that answers again may take to act on a load that
// was queued while it stalled.
constexpr auto kInDoubtGrace = std::chrono::seconds(3);

void Log(const std::string& s) { fprintf(stderr, "spamwall-controld: %s\n", s.c_str()); }

// Names one load so the dataplane's log, policy show and ours agree on it.
std::string NewRequestId(uint64_t gen) {
  static std::mt19937_64 rng{std::random_device{}()};
  char b[48];
  snprintf(b, sizeof b, "g%llu-%016llx", static_cast<unsigned long long>(gen),
           static_cast<unsigned long long>(rng()));
  return b;
}

}  // namespace

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

nlohmann::json StoredRecordJson(const PolicyRecord& r) {
  return {{"overlay", OverlayToJson(r.overlay)},
          {"source", r.source},
          {"pushed_by", r.pushed_by},
          {"pushed_at", r.pushed_at},
          {"compiled_on", FormatDay(r.compiled_on)},
          {"warnings", r.warnings}};
}

std::vector<const Exemption*> ExpiredSinceCompile(const PolicyRecord& rec, Day today) {
  std::vector<const Exemption*> out;
  for (const auto& e : rec.merged.exemptions)
    if (e.expires < today && e.expires >= rec.compiled_on) out.push_back(&e);
  return out;
}

Controller::Controller(Config cfg, DataplaneLink* link, AuditLog* audit)
    : cfg_(std::move(cfg)), link_(link), audit_(audit), store_(cfg_.state_dir) {}

bool Controller::SaveCounter(uint64_t gen, std::string* error) {
  return AtomicWriteFile(cfg_.state_dir + "/generation", std::to_string(gen) + "\n", error);
}

std::optional<PolicyRecord> Controller::LoadRecord(uint64_t gen, std::string* error,
                                                   std::unique_ptr<CompiledPolicy>* compiled) {
  std::optional<LoadedPolicyImage> img = LoadPolicyImageFile(store_.ImagePath(gen), error);
  if (!img) return std::nullopt;
  const std::string where = store_.ImagePath(gen) + ": ";
  if (img->meta.generation != gen) {
    *error = where + "holds generation " + std::to_string(img->meta.generation);
    return std::nullopt;
  }
  PolicyRecord rec;
  rec.generation = gen;
  rec.digest = img->digest;
  rec.summary = img->policy->summary;
  rec.on_dataplane = true;
  bool have_record = false, have_model = false;
  for (const auto& x : img->extra) {
    if (x.type == static_cast<uint32_t>(ImageSectionType::kControldRecord)) {
      nlohmann::json j = nlohmann::json::parse(x.bytes, nullptr, false);
      std::string why;
      if (!j.is_object() || !j.contains("overlay") || !OverlayFromJson(j["overlay"], &rec.overlay, &why)) {
        *error = where + "controld record: " + (why.empty() ? "not a JSON object with an overlay" : "overlay." + why);
        return std::nullopt;
      }
      // Every field of the record is checked by type: a bad one names itself.
      for (auto [key, field] : {std::pair{"source", &rec.source}, std::pair{"pushed_by", &rec.pushed_by},
                                std::pair{"pushed_at", &rec.pushed_at}}) {
        if (j.contains(key) && !j[key].is_string()) {
          *error = where + "controld record: " + key + ": must be a string";
          return std::nullopt;
        }
        *field = j.value(key, "");
      }
      // The day its exemptions were judged by; images before it have only
      // the push's time (a rollback's tables keep the day they were made).
      const std::string day = j.value("compiled_on", rec.pushed_at.substr(0, 10));
      if (!ParseDay(day, &rec.compiled_on)) {
        *error = where + "controld record: compiled_on: not a date YYYY-MM-DD";
        return std::nullopt;
      }
      if (j.contains("warnings") && j["warnings"].is_array())
        for (const auto& w : j["warnings"])
          if (w.is_string()) rec.warnings.push_back(w.get<std::string>());
      have_record = true;
    } else if (x.type == static_cast<uint32_t>(ImageSectionType::kPolicyModel)) {
      std::optional<Policy> p = DeserializePolicy(x.bytes, error);
      if (!p) {
        *error = where + *error;
        return std::nullopt;
      }
      rec.file_policy = std::move(*p);
      have_model = true;
    }
  }
  if (!have_record || !have_model) {
    *error = where + "not written by spamwall-controld (no controld record or policy model)";
    return std::nullopt;
  }
  if (!MergeOverlay(rec.file_policy, rec.overlay, OverlayPath(), &rec.merged, error)) {
    *error = where + "overlay: " + *error;
    return std::nullopt;
  }
  if (compiled) *compiled = std::move(img->policy);
  return rec;
}

bool Controller::Init(std::string* error) {
  std::lock_guard<std::mutex> change(change_mu_);
  if (!InitFromDisk(error)) return false;
  std::string why;
  if (!Reconcile(&why)) Log("dataplane not there yet (" + why + "): reconciling when it appears");
  return true;
}

bool Controller::InitFromDisk(std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  gid_t gid;
  if (!cfg_.socket_group.empty() && proto::LookupGroup(cfg_.socket_group, &gid)) group_ = gid;
  // A bad file in the state directory is a warning, never a dead control
  // plane: the counter is also the highest saved generation.
  auto warn = [&](const std::string& w) {
    start_warnings_.push_back(w);
    Log("warning: " + w);
  };
  std::string read_error;
  bool missing = false;
  proto::ReadFileOptions state_file;
  state_file.follow_links = false;
  if (auto g = proto::ReadRegularFile(cfg_.state_dir + "/generation", state_file, &read_error, &missing)) {
    std::string digits = g->substr(0, g->find_last_not_of("\n") + 1);
    if (digits.empty() || digits.size() > 19 || digits.find_first_not_of("0123456789") != std::string::npos)
      warn(cfg_.state_dir + "/generation: not a generation number; counting on from the saved generations");
    else
      last_generation_ = std::stoull(digits);
  } else if (!missing) {
    warn(read_error);
  }
  if (!store_.Open(error)) return false;
  for (uint64_t g : store_.List()) last_generation_ = std::max(last_generation_, g);

  // Running configuration first: what controld last had accepted.
  for (const char* name : {"live", "previous"}) {
    std::optional<uint64_t> gen = store_.Pointer(name);
    if (!gen) continue;
    std::string why;
    std::optional<PolicyRecord> rec = LoadRecord(*gen, &why);
    if (!rec) {
      warn(std::string("state_dir/") + name + " (generation " + std::to_string(*gen) +
           ") not usable: " + why);
      continue;
    }
    KeysFor(&*rec);  // made before readers can see it
    (std::string(name) == "live" ? current_ : previous_) = std::move(rec);
  }
  if (!current_ && previous_) {
    Log("the live generation is not usable: running generation " +
        std::to_string(previous_->generation) + " (previous) as live");
    current_ = std::move(previous_);
    previous_.reset();
  }
  if (current_) {
    overlay_ = current_->overlay;
    Log("running generation " + std::to_string(current_->generation) + " from " +
        store_.ImagePath(current_->generation) + " (the boot file is for a first install only)");
  } else {
    // First install: the startup configuration. An overlay.json that does
    // not read back is a refusal to start, never an overlay silently emptied.
    std::string why;
    if (!LoadOverlay(OverlayPath(), &overlay_, &why)) {
      *error = why + " (fix or remove it: controld keeps its overlay there until a first generation exists)";
      return false;
    }
    if (!cfg_.policy.empty()) {
      Diagnostics diag;
      std::optional<Policy> file = LoadOwnPolicy(cfg_.policy, &diag);
      Built built;
      Reply refusal;
      if (!file) {
        warn("boot policy " + cfg_.policy + " " + RefusalMessage(ErrorLines(diag)));
      } else if (!Build(*file, overlay_, cfg_.policy, &built, &refusal)) {
        warn("boot policy " + cfg_.policy + " " + refusal.message);
      } else {
        built.record.pushed_by = "spamwall-controld (start)";
        first_ = std::move(built);
      }
      if (!first_) Log("no policy until one is pushed (spamwallctl policy push FILE)");
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
  CompileOptions opts;
  opts.coverage = &out->coverage;
  rec.compiled_on = opts.today;
  out->compiled = CompilePolicy(rec.merged, opts, &diag);
  out->compile_ms = MsSince(t0);
  if (!out->compiled || !diag.ok()) {
    out->errors = ErrorLines(diag);
    *refusal = Reply::Error(proto::kRefused, RefusalMessage(out->errors));
    return false;
  }
  for (const auto& w : diag.warnings) rec.warnings.push_back(w.ToString());
  rec.summary = out->compiled->summary;
  rec.file_policy = std::move(file_policy);
  return true;
}

const PolicyKeys* KeysFor(PolicyRecord* rec) {
  if (rec == nullptr) return nullptr;
  if (!rec->keys) rec->keys = KeysOf(rec->merged);
  return rec->keys.get();
}

uint64_t Controller::NextGeneration() const { return last_generation_ + 1; }

bool Controller::AskDataplane(DataplaneState* st, std::string* error) {
  nlohmann::json reply;
  if (!link_->Call(api::dp::kHello, nlohmann::json::object(), &reply, error)) return false;
  api::DataplaneHello h;
  std::string why;
  if (!reply.value("ok", false) || !api::DataplaneHello::FromJson(reply["result"], &h, &why)) {
    *error = "the dataplane answered hello with: " + (why.empty() ? proto::ReplyError(reply) : why);
    return false;
  }
  st->generation = h.generation;
  st->digest = h.digest;
  st->pid = h.pid;
  std::lock_guard<std::mutex> lock(mu_);
  last_generation_ = std::max(last_generation_, st->generation);
  return true;
}

void Controller::CountPush(const char* outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_.pushes[outcome]++;
}

void Controller::SetLastPushSeconds(double s) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_.last_push_seconds = s;
}

void Controller::Promote(PolicyRecord rec) {
  rec.on_dataplane = true;
  KeysFor(&rec);  // before it is published: readers never make them
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (current_ && current_->generation != rec.generation) previous_ = std::move(current_);
    current_ = std::move(rec);
    counters_.generation = current_->generation;
  }
  if (containment_) containment_->SetThresholds(current_->merged.thresholds);
  std::string error;
  // The pointers move once the dataplane runs it: a dataplane restarted now
  // boots the generation that forwards now.
  if (!store_.Point("live", current_->generation, &error) ||
      !store_.Point("previous", previous_ ? previous_->generation : 0, &error))
    Log("warning: " + error + " (a restarted dataplane would boot an older generation)");
  std::set<uint64_t> keep = {current_->generation};
  if (previous_) keep.insert(previous_->generation);
  if (in_doubt_) keep.insert(in_doubt_->generation);
  store_.Prune(keep, static_cast<size_t>(cfg_.keep));
}

bool Controller::Commit(PolicyRecord rec, const CompiledPolicy& compiled, const std::string& origin,
                        nlohmann::json* dp, Reply* refusal, double* image_ms) {
  // The dataplane first: it must answer (nothing is saved or sent to one
  // that does not), and the next number is above whatever it runs.
  DataplaneState before;
  std::string error;
  if (!AskDataplane(&before, &error)) {
    CountPush("unavailable");
    *refusal = Reply::Error(proto::kUnavailable, error + "; nothing was changed");
    return false;
  }
  const uint64_t gen = NextGeneration();
  rec.generation = gen;
  rec.pushed_by = pending_user_;
  rec.pushed_at = IsoUtc(std::chrono::system_clock::now());
  auto t0 = std::chrono::steady_clock::now();
  PolicyImageMeta meta;
  meta.generation = gen;
  meta.origin = origin;
  meta.source = rec.source;
  meta.created_at = rec.pushed_at;
  meta.compiler_version = SPAMWALL_VERSION;
  std::vector<ImageExtraSection> extra = {
      {static_cast<uint32_t>(ImageSectionType::kControldRecord), 0, StoredRecordJson(rec).dump()},
      {static_cast<uint32_t>(ImageSectionType::kPolicyModel), 0, SerializePolicy(rec.file_policy)}};
  // Written twice from the tables, section by section (no image-sized
  // buffer, no zeroing pass): the file first, then the memfd; one layout,
  // so the same bytes and digest.
  const std::string path = store_.ImagePath(gen);
  // Saved first: a change that cannot be kept is not made.
  if (!WritePolicyImageFile(path, compiled, meta, extra, &rec.digest, &error) ||
      !SaveCounter(gen, &error)) {
    store_.Remove(gen);
    CountPush("unsaved");
    *refusal = Reply::Error(proto::kInternal, "cannot save generation " + std::to_string(gen) +
                                                  " in " + cfg_.state_dir + ": " + error +
                                                  "; nothing was changed (generation " +
                                                  std::to_string(current_ ? current_->generation : 0) +
                                                  " stays live)");
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_generation_ = gen;
  }
  std::string memfd_digest;
  int fd = CreatePolicyImageFd(compiled, meta, extra, &memfd_digest, &error);
  if (image_ms) *image_ms = MsSince(t0);
  if (fd >= 0 && memfd_digest != rec.digest) {
    close(fd);
    fd = -1;
    error = "the memfd's digest " + memfd_digest + " is not the saved image's " + rec.digest;
  }
  if (fd < 0) {
    store_.Remove(gen);
    *refusal = Reply::Error(proto::kInternal, "cannot build the policy image: " + error);
    return false;
  }
  UniqueFd image(fd);
  const std::string request_id = NewRequestId(gen);
  nlohmann::json reply;
  const api::PolicyLoadArgs load{gen, origin, request_id, rec.digest};
  DataplaneLink::Delivery d =
      link_->CallOnce(api::dp::kPolicyLoad, load.ToJson(), &reply, &error, image.get());
  if (d == DataplaneLink::Delivery::kNotDelivered) {
    store_.Remove(gen);
    CountPush("unavailable");
    *refusal = Reply::Error(proto::kUnavailable, error + "; nothing was changed");
    return false;
  }
  if (d == DataplaneLink::Delivery::kInDoubt) {
    CountPush("in_doubt");
    {
      std::lock_guard<std::mutex> lock(mu_);
      in_doubt_ = std::move(rec);
    }
    in_doubt_pid_ = before.pid;
    in_doubt_answering_.reset();
    *refusal = Reply::Error(
        proto::kUnavailable,
        error + "; generation " + std::to_string(gen) +
            " was sent whole and may go live when the dataplane resumes: controld will see "
            "which generation it runs and say so in `spamwallctl policy show` (it is not "
            "sent again)");
    Log("generation " + std::to_string(gen) + " (" + request_id + ") in doubt: " + error);
    return false;
  }
  if (!reply.value("ok", false)) {
    store_.Remove(gen);
    CountPush("refused");
    *refusal = Reply::Error(proto::kRefused, "the dataplane refused the policy: " + proto::ReplyError(reply));
    return false;
  }
  *dp = reply["result"];
  CountPush("ok");
  Promote(std::move(rec));
  return true;
}

bool Controller::Resend(const PolicyRecord& rec, std::string* error) {
  // The saved image, checked as the dataplane will, and written again into
  // a sealed memfd by the one image writer: the same bytes, the same digest.
  std::optional<LoadedPolicyImage> saved = LoadPolicyImageFile(store_.ImagePath(rec.generation), error);
  if (!saved) return false;
  std::string digest;
  int fd = CreatePolicyImageFd(*saved->policy, saved->meta, saved->extra, &digest, error);
  if (fd < 0) return false;
  UniqueFd image(fd);
  if (digest != rec.digest) {
    *error = "the saved image of generation " + std::to_string(rec.generation) + " has digest " +
             digest + ", not " + rec.digest;
    return false;
  }
  nlohmann::json reply;
  const api::PolicyLoadArgs load{rec.generation, "spamwall-controld re-push: " + rec.source,
                                 NewRequestId(rec.generation), rec.digest};
  DataplaneLink::Delivery d =
      link_->CallOnce(api::dp::kPolicyLoad, load.ToJson(), &reply, error, image.get());
  if (d != DataplaneLink::Delivery::kAnswered) return false;
  if (!reply.value("ok", false)) {
    *error = proto::ReplyError(reply);
    return false;
  }
  return true;
}

bool Controller::Reconcile(std::string* error) {
  DataplaneState dp;
  if (!AskDataplane(&dp, error)) return false;
  auto same = [&](const PolicyRecord& r) { return r.generation == dp.generation && r.digest == dp.digest; };
  if (in_doubt_) {
    const uint64_t g = in_doubt_->generation;
    if (same(*in_doubt_)) {
      Log("generation " + std::to_string(g) + " went live after all: the dataplane runs it");
      CountPush("ok");
      PolicyRecord rec;
      {
        std::lock_guard<std::mutex> lock(mu_);
        rec = std::move(*in_doubt_);
        in_doubt_.reset();
        overlay_ = rec.overlay;
      }
      std::string why;
      if (!SaveOverlay(OverlayPath(), overlay_, &why)) Log("warning: " + why);
      Promote(std::move(rec));
    } else {
      // A load still queued on the old connection may be read just after
      // this hello: only a restarted dataplane, or one that has answered for
      // a while without taking it, settles that it will not go live.
      const auto now = std::chrono::steady_clock::now();
      if (!in_doubt_answering_) in_doubt_answering_ = now;
      if (dp.pid == in_doubt_pid_ && now - *in_doubt_answering_ < kInDoubtGrace) return true;
      Log("generation " + std::to_string(g) + " did not go live (the dataplane runs " +
          std::to_string(dp.generation) + "): dropped");
      {
        std::lock_guard<std::mutex> lock(mu_);
        in_doubt_.reset();
      }
      store_.Remove(g);
    }
  }
  if (first_) {
    // The boot file of a first install, compiled before the dataplane was there.
    Built b = std::move(*first_);
    first_.reset();
    pending_user_ = b.record.pushed_by;
    nlohmann::json res;
    Reply refusal;
    if (!Commit(std::move(b.record), *b.compiled, "spamwall-controld start: " + cfg_.policy, &res,
                &refusal)) {
      Log("first push failed: " + refusal.message);
      return true;
    }
    Log("generation " + std::to_string(current_->generation) + " live from " + cfg_.policy);
    return true;
  }
  if (!current_) return true;
  auto on_dataplane = [&](bool yes) {
    std::lock_guard<std::mutex> lock(mu_);
    current_->on_dataplane = yes;
    if (yes) counters_.generation = current_->generation;
  };
  if (same(*current_)) {
    on_dataplane(true);
    return true;
  }
  if (dp.generation < current_->generation) {
    // A dataplane that booted an older image, its YAML file or the safe state.
    std::string why;
    if (Resend(*current_, &why)) {
      Log("the dataplane ran generation " + std::to_string(dp.generation) + ": re-pushed " +
          std::to_string(current_->generation));
      on_dataplane(true);
    } else {
      Log("re-push of generation " + std::to_string(current_->generation) + " failed: " + why);
    }
    return true;
  }
  // Higher than ours: a push that went live just before controld stopped
  // (its image is on disk, the pointers had not moved yet), or not ours.
  std::string why;
  std::optional<PolicyRecord> rec = LoadRecord(dp.generation, &why);
  if (rec && rec->digest == dp.digest) {
    Log("the dataplane runs generation " + std::to_string(dp.generation) +
        ", saved but not yet recorded as live: adopted");
    {
      std::lock_guard<std::mutex> lock(mu_);
      overlay_ = rec->overlay;
    }
    Promote(std::move(*rec));
    return true;
  }
  on_dataplane(false);
  Log("warning: the dataplane runs generation " + std::to_string(dp.generation) +
      " (" + dp.digest + "), which controld did not make; the next change is generation " +
      std::to_string(NextGeneration()));
  return true;
}

void Controller::AfterSample(bool reconnected) {
  if (reconnected) reconcile_wanted_ = true;
  // The sampler never waits behind a change (a compile can take seconds):
  // a change in progress asks the dataplane itself; what is left is done
  // after a later sample.
  std::unique_lock<std::mutex> change(change_mu_, std::try_to_lock);
  if (!change.owns_lock()) return;
  const bool wanted = reconcile_wanted_.exchange(false);
  if (!wanted && !in_doubt_) return;
  std::string error;
  if (!Reconcile(&error) && wanted) Log(error);
}

void Controller::ExpireOnTime() {
  // Not behind a change in progress either: tried again after the next sample.
  std::unique_lock<std::mutex> change(change_mu_, std::try_to_lock);
  if (!change.owns_lock()) return;
  if (!current_ || in_doubt_ || !current_->on_dataplane) return;
  if (sampler_ && !sampler_->Last().up) return;  // tried once it answers again
  const Day today = TodayUtc();
  const std::vector<const Exemption*> expired = ExpiredSinceCompile(*current_, today);
  if (expired.empty()) return;
  // A push that failed (dataplane away, disk full) is tried again each minute.
  const auto now = std::chrono::steady_clock::now();
  if (last_expiry_try_ != std::chrono::steady_clock::time_point{} &&
      now - last_expiry_try_ < std::chrono::minutes(1))
    return;
  last_expiry_try_ = now;
  nlohmann::json list = nlohmann::json::array();
  std::string names;
  for (const Exemption* e : expired) {
    list.push_back({{"prefix", FormatPrefix(e->prefix)}, {"owner", e->owner}, {"expires", e->expires_text}});
    names += (names.empty() ? "" : ", ") + FormatPrefix(e->prefix) + " (owner " + e->owner + ", expired " +
             e->expires_text + ")";
  }
  // Audited as any change, under controld's own name.
  proto::Request req;
  req.cmd = "policy.expire";
  req.args = {{"day", FormatDay(today)}, {"expired", list}};
  req.peer.uid = geteuid();
  req.peer.gid = getegid();
  req.peer.pid = getpid();
  req.peer.user = "spamwall-controld";
  pending_user_ = "spamwall-controld (exemption expiry)";
  AuditRecord rec;
  Reply reply;
  if (!AuditIntent(req, &rec, &reply)) {
    Log("exemption expiry not applied: " + reply.message + " (retried in a minute)");
    return;
  }
  Built built;
  nlohmann::json changes = nlohmann::json::object();
  if (Build(current_->file_policy, overlay_, current_->source, &built, &reply)) {
    const api::ctl::PolicyDiffCounts diff = PolicyDiff(KeysFor(&*current_), *KeysFor(&built.record));
    nlohmann::json dp;
    if (Commit(std::move(built.record), *built.compiled,
               "spamwall-controld: exemptions expired at 00:00 UTC " + FormatDay(today) + ": " + names, &dp,
               &reply)) {
      changes = ChangedLists(diff).ToJson();
      reply = Reply::Ok({{"generation", current_->generation}, {"expired", list}});
      Log("generation " + std::to_string(current_->generation) + " live: " + names + " no longer applies");
    }
  }
  AuditOutcome(&rec, reply, changes);
  if (!reply.ok()) Log("exemption expiry not applied: " + reply.message + " (retried in a minute)");
}

ControldCounters Controller::Counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  ControldCounters c = counters_;
  if (current_) {
    const Day today = TodayUtc();
    for (const auto& e : current_->merged.exemptions) {
      const std::string_view state = ExemptionState(e.expires, today);
      if (state == "expired") {
        c.exemptions_expired++;
      } else {
        c.exemptions_active++;
        c.exemptions_expiring_7d += state == "expiring";
      }
    }
    c.mode_override = overlay_.mode && *overlay_.mode != current_->file_policy.mode;
  }
  return c;
}

}  // namespace spamwall::controld
