// controld's event store: the dataplane's SMTP events (docs/events.md) and
// controld's own (complaint, threshold_alert) in one table, the columns
// controld filters on beside the whole JSON document:
//   events(id, type, ts, subscriber, message_key, doc)
// ts is the event's `ts`, else its `ts_start`, else the time of insertion;
// message_key is NormalizeMessageId(doc.message_id). On SQLite (the default,
// a file in the state directory) or PostgreSQL (a carrier's shared database).
// Every method is safe to call from several threads; calls are serialized.
#ifndef SPAMWALL_CONTROL_EVENTS_EVENT_STORE_H_
#define SPAMWALL_CONTROL_EVENTS_EVENT_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace spamwall::events {

// Empty strings match any value; since: ts >= since.
struct EventQuery {
  std::string subscriber;
  std::string type;
  double since = 0;
  size_t limit = 50;
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  // All or nothing, in one transaction. A document that is not an object
  // with a non-empty string `type` refuses the whole batch (InvalidArgument
  // naming its index) before anything is written.
  virtual absl::Status Insert(const std::vector<nlohmann::json>& events) = 0;
  // The events of `type` (smtp_message, complaint) whose Message-ID normalizes as `message_id`
  // does (with or without <>), newest first. None for an id that normalizes
  // to "".
  virtual absl::StatusOr<std::vector<nlohmann::json>> FindMessage(std::string_view message_id, size_t limit,
                                                                  std::string_view type = "smtp_message") = 0;
  // Newest first (ts descending, then insertion order descending).
  virtual absl::StatusOr<std::vector<nlohmann::json>> Query(const EventQuery& q) = 0;
  // Events with ts >= since; "" type or subscriber: any.
  virtual absl::StatusOr<uint64_t> Count(std::string_view type, std::string_view subscriber,
                                         double since) = 0;
  // Deletes the events with ts < older_than_ts; returns how many.
  virtual absl::StatusOr<uint64_t> Prune(double older_than_ts) = 0;
  virtual absl::StatusOr<uint64_t> Rows() = 0;
  // "sqlite:/var/lib/spamwall/events.sqlite", "postgresql://user@host/db":
  // for logs and errors, never with a password.
  virtual std::string Describe() const = 0;
};

// spec "" or "sqlite": the SQLite file <state_dir>/events.sqlite;
// "sqlite:/abs/path": that file; "postgresql://..." or "postgres://...": a
// libpq connection URI. Anything else: InvalidArgument naming the spec (its
// password masked). Opening creates or migrates the schema; a database
// written by a newer schema is refused (FailedPrecondition).
absl::StatusOr<std::unique_ptr<EventStore>> OpenEventStore(const std::string& spec,
                                                           const std::string& state_dir);

}  // namespace spamwall::events

#endif  // SPAMWALL_CONTROL_EVENTS_EVENT_STORE_H_
