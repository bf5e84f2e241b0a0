// The dataplane's control socket (--control-socket): how controld loads a
// policy it compiled, reads the counters and asks what is running. Only root
// or the dataplane's own user may connect. Commands: docs/control-protocol.md.
#ifndef SPAMWALL_DATAPLANE_APP_CONTROL_SERVER_H_
#define SPAMWALL_DATAPLANE_APP_CONTROL_SERVER_H_

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ipc/server.h"
#include "dataplane/app/event_stream.h"
#include "dataplane/app/generation_publisher.h"

namespace spamwall {

class DataplaneControl {
 public:
  struct Context {
    GenerationPublisher* publisher = nullptr;
    std::function<nlohmann::json()> stats;  // STATS.json of the run so far
    unsigned workers = 0;
    // The zombie table's top rows ("attempts" or "destinations", n); null
    // when the run has no sampler, nullopt when a sampler did not answer.
    std::function<std::optional<nlohmann::json>(const std::string& by, size_t n)> zombies;
    // The samplers' events for controld; null when the run has no sampler.
    const EventStream* events = nullptr;
  };

  DataplaneControl() = default;
  ~DataplaneControl() { Stop(); }
  DataplaneControl(const DataplaneControl&) = delete;
  DataplaneControl& operator=(const DataplaneControl&) = delete;

  bool Start(const std::string& socket_path, Context ctx, std::string* error);
  void Stop();  // idempotent

 private:
  using Handler = proto::Reply (DataplaneControl::*)(proto::Request&);
  struct Command {
    const char* name;
    Handler handler;
  };
  static const std::vector<Command>& Commands();
  proto::Reply Handle(proto::Request& req);
  proto::Reply Hello(proto::Request& req);
  proto::Reply LoadPolicy(proto::Request& req);
  proto::Reply ShowPolicy(proto::Request& req);
  proto::Reply Stats(proto::Request& req);
  proto::Reply ZombiesTop(proto::Request& req);
  proto::Reply EventsRead(proto::Request& req);

  Context ctx_;
  std::mutex load_mu_;  // one load at a time: the generation check and the publish are one step
  std::string path_;
  std::string stream_name_;  // pid and start time: events.read's numbering is this run's
  proto::UnixServer server_;
};

// policy.show's answer, also the "policy" part of stats and telemetry.
nlohmann::json LivePolicyJson(const Generation& live);

// Per-generation totals as JSON, in the order the generations went live.
nlohmann::json GenerationsJson(const std::vector<GenerationPublisher::GenerationTotals>& gens);

// "generations" and "generations_folded" (the totals of the generations
// beyond the history) into a stats object: together they sum to "packets".
void AddGenerations(GenerationPublisher* publisher, nlohmann::json* stats);

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_APP_CONTROL_SERVER_H_
