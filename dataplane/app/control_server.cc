#include "dataplane/app/control_server.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "ipc/api/dataplane_api.h"
#include "ipc/api/summary_json.h"
#include "dataplane/app/generation_image.h"
#include "dataplane/app/stats.h"
#include "dataplane/core/policy_image.h"
#include "dataplane/core/verdict.h"

namespace spamwall {

nlohmann::json LivePolicyJson(const Generation& live) {
  const CompiledPolicy& p = *live.policy;
  return {{"generation", live.policy->generation},
          {"origin", live.id.origin},
          {"mode", p.mode == PolicyMode::kMonitor ? "monitor" : "enforce"},
          {"source", p.source},
          {"summary", SummaryJson(p.summary)},
          {"table_bytes", p.v4.memory_bytes() + p.v6.memory_bytes()},
          {"loaded_at", live.loaded_at},
          {"digest", live.id.digest},
          {"request_id", live.id.request_id},
          {"safe_state", !live.id.safe_state.empty()},
          {"safe_state_reason", live.id.safe_state}};
}

nlohmann::json GenerationsJson(const std::vector<GenerationPublisher::GenerationTotals>& gens) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& g : gens)
    out.push_back({{"generation", g.generation},
                   {"live", g.live},
                   {"packets", g.counters.packets},
                   {"passed", g.counters.passed},
                   {"dropped", CountsByReason(g.counters.dropped)},
                   {"would_drop", CountsByReason(g.counters.would_drop)}});
  return out;
}

void AddGenerations(GenerationPublisher* publisher, nlohmann::json* stats) {
  (*stats)["generations"] = GenerationsJson(publisher->Generations());
  GenerationPublisher::Folded f = publisher->FoldedGenerations();
  (*stats)["generations_folded"] = {{"generations", f.generations},
                                    {"packets", f.counters.packets},
                                    {"passed", f.counters.passed},
                                    {"dropped", CountsByReason(f.counters.dropped)},
                                    {"would_drop", CountsByReason(f.counters.would_drop)}};
}

bool DataplaneControl::Start(const std::string& socket_path, Context ctx, std::string* error) {
  ctx_ = std::move(ctx);
  path_ = socket_path;
  stream_name_ = std::to_string(getpid()) + "@" +
                 std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
  UniqueFd fd = proto::ListenUnix(socket_path, 0600, "", error);
  if (!fd.valid()) return false;
  const uid_t self = geteuid();
  auto check = [self](const proto::Peer& peer, std::string* why) {
    if (peer.uid == 0 || peer.uid == self) return true;
    *why = "the dataplane's control socket is for spamwall-controld: peer " + peer.ToString() +
           " is neither root nor uid " + std::to_string(self);
    return false;
  };
  return server_.Start(std::move(fd), {}, check, [this](proto::Request& r) { return Handle(r); },
                       error);
}

void DataplaneControl::Stop() {
  server_.Stop();
  if (!path_.empty()) unlink(path_.c_str());
  path_.clear();
}

// The one dispatch: each command once, with its handler; the refusal of an
// unknown one lists them from here.
const std::vector<DataplaneControl::Command>& DataplaneControl::Commands() {
  static const std::vector<Command> table = {
      {api::dp::kHello, &DataplaneControl::Hello},
      {api::dp::kPolicyLoad, &DataplaneControl::LoadPolicy},
      {api::dp::kPolicyShow, &DataplaneControl::ShowPolicy},
      {api::dp::kStats, &DataplaneControl::Stats},
      {api::dp::kZombiesTop, &DataplaneControl::ZombiesTop},
      {api::dp::kEventsRead, &DataplaneControl::EventsRead},
  };
  return table;
}

proto::Reply DataplaneControl::Handle(proto::Request& req) {
  std::string known;
  for (const auto& c : Commands()) {
    if (req.cmd == c.name) return (this->*c.handler)(req);
    known += (known.empty() ? "" : ", ") + std::string(c.name);
  }
  return proto::Reply::Error(proto::kBadRequest,
                             "unknown command '" + req.cmd + "' (the dataplane answers " + known + ")");
}

proto::Reply DataplaneControl::Hello(proto::Request&) {
  return ctx_.publisher->WithCurrent([&](const Generation& l) {
    api::DataplaneHello h;
    h.process = "spamwall-dataplane";
    h.protocol = proto::kProtocolVersion;
    h.pid = getpid();
    h.generation = l.policy->generation;
    h.digest = l.id.digest;
    h.safe_state = !l.id.safe_state.empty();
    h.workers = ctx_.workers;
    return proto::Reply::Ok(h.ToJson());
  });
}

proto::Reply DataplaneControl::ShowPolicy(proto::Request&) {
  return proto::Reply::Ok(ctx_.publisher->WithCurrent([](const Generation& l) { return LivePolicyJson(l); }));
}

proto::Reply DataplaneControl::ZombiesTop(proto::Request& req) {
  api::ZombiesTopArgs args;
  std::string error;
  if (!api::ZombiesTopArgs::FromJson(req.args, &args, &error))
    return proto::Reply::Error(proto::kBadRequest, error);
  if (!ctx_.zombies)
    return proto::Reply::Error(proto::kUnavailable, "this dataplane runs no sampler (--sampler-lcores 0)");
  std::optional<nlohmann::json> rows = ctx_.zombies(args.by, args.n);
  if (!rows) return proto::Reply::Error(proto::kUnavailable, "a sampler did not answer within 2 s");
  return proto::Reply::Ok({{"by", args.by}, {"n", args.n}, {"subscribers", std::move(*rows)}});
}

proto::Reply DataplaneControl::EventsRead(proto::Request& req) {
  api::EventsReadArgs args;
  std::string error;
  if (!api::EventsReadArgs::FromJson(req.args, &args, &error))
    return proto::Reply::Error(proto::kBadRequest, error);
  if (!ctx_.events)
    return proto::Reply::Error(proto::kUnavailable, "this dataplane runs no sampler (--sampler-lcores 0)");
  EventStream::Read r = ctx_.events->ReadAfter(args.after, args.max_bytes);
  api::EventsReadResult out;
  out.stream = stream_name_;
  out.first = r.first;
  out.next = r.next;
  out.count = r.count;
  out.missed = r.missed;
  out.dropped = ctx_.events->counters().dropped;
  out.lines = std::move(r.lines);
  return proto::Reply::Ok(out.ToJson());
}

proto::Reply DataplaneControl::Stats(proto::Request&) {
  nlohmann::json s = ctx_.stats();
  AddGenerations(ctx_.publisher, &s);
  s["time"] = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return proto::Reply::Ok(std::move(s));
}

// Loads are idempotent and generations only grow: a load that names the live
// generation and its digest again (controld unsure whether its first try
// arrived) is acknowledged without a second swap; any other generation at or
// below the live one is refused, so a stale or repeated push can never bring
// an older policy back under a lower number.
proto::Reply DataplaneControl::LoadPolicy(proto::Request& req) {
  using proto::Reply;
  api::PolicyLoadArgs args;
  std::string bad;
  if (!api::PolicyLoadArgs::FromJson(req.args, &args, &bad)) return Reply::Error(proto::kBadRequest, bad);
  if (!req.fd.valid())
    return Reply::Error(proto::kBadRequest,
                        "policy.load needs the policy image attached (a sealed memfd)");
  const uint64_t generation = args.generation;
  LiveIdentity id(args.origin);
  if (id.origin.empty()) id.origin = req.peer.ToString();
  id.request_id = args.request_id;
  const std::string named_digest = args.digest;

  std::lock_guard<std::mutex> one_load(load_mu_);
  struct Live {
    uint64_t generation;
    LiveIdentity id;
  };
  const Live live =
      ctx_.publisher->WithCurrent([](const Generation& l) { return Live{l.policy->generation, l.id}; });
  if (generation == live.generation && !named_digest.empty() && named_digest == live.id.digest)
    return Reply::Ok({{"generation", generation},
                      {"already_live", true},
                      {"request_id", live.id.request_id},
                      {"digest", live.id.digest}});
  if (generation <= live.generation)
    return Reply::Error(proto::kRefused,
                        "generation " + std::to_string(generation) + " is not above the live generation " +
                            std::to_string(live.generation) +
                            " (generations only grow; the running policy stays)");

  auto t0 = std::chrono::steady_clock::now();
  std::string error;
  std::optional<LoadedPolicyImage> next = LoadGenerationImageFd(req.fd.get(), &error);  // signatures checked against this CPU
  double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (next && next->meta.generation != 0 && next->meta.generation != generation)
    error = "policy image: its generation is " + std::to_string(next->meta.generation) +
            ", the load names " + std::to_string(generation);
  else if (next && !named_digest.empty() && named_digest != next->digest)
    error = "policy image: digest " + next->digest + ", the load names " + named_digest;
  if (!next || !error.empty()) {
    std::fprintf(stderr, "policy generation %lu from %s refused: %s\n",
                 (unsigned long)generation, req.peer.ToString().c_str(), error.c_str());
    return Reply::Error(proto::kRefused, error + " (the running policy stays)");
  }
  id.digest = next->digest;
  GenerationPublisher::Published p = ctx_.publisher->Publish(std::move(next->policy), generation, id);
  std::fprintf(stderr,
               "policy generation %lu live (was %lu; %s): load %.1f ms, publish %.1f us, "
               "grace %.1f us\n",
               (unsigned long)generation, (unsigned long)p.previous_generation, id.origin.c_str(),
               load_ms, p.publish_us, p.grace_us);
  return Reply::Ok({{"generation", generation},
                    {"previous_generation", p.previous_generation},
                    {"digest", id.digest},
                    {"request_id", id.request_id},
                    {"load_ms", load_ms},
                    {"publish_us", p.publish_us},
                    {"grace_us", p.grace_us}});
}

}  // namespace spamwall
