// The dataplane's control commands, typed: the one place their names,
// arguments and answers are spelled, used by the dataplane that serves them
// and by controld (and the tests) that call them (docs/control-protocol.md).
#ifndef SPAMWALL_IPC_API_DATAPLANE_API_H_
#define SPAMWALL_IPC_API_DATAPLANE_API_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace spamwall::api {

namespace dp {
inline constexpr char kHello[] = "hello";
inline constexpr char kPolicyLoad[] = "policy.load";
inline constexpr char kPolicyShow[] = "policy.show";
inline constexpr char kStats[] = "stats";
inline constexpr char kZombiesTop[] = "zombies.top";
inline constexpr char kEventsRead[] = "events.read";
}  // namespace dp

// zombies.top's arguments: the n subscribers highest by `by`.
struct ZombiesTopArgs {
  static constexpr uint64_t kMaxN = 1000;
  std::string by = "attempts";  // "attempts" (blocked SYNs) or "destinations" (distinct, estimated)
  uint64_t n = 20;              // 1..kMaxN

  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, ZombiesTopArgs* out, std::string* error);
};

// events.read's arguments: the sampled SMTP events after a cursor.
struct EventsReadArgs {
  static constexpr uint64_t kMaxBytes = 4u << 20;
  uint64_t after = 0;              // the `next` of the previous answer; 0 at first
  uint64_t max_bytes = 512 << 10;  // of lines in one answer (whole batches, at least one), 1..kMaxBytes
  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, EventsReadArgs* out, std::string* error);
};

// events.read's answer.
struct EventsReadResult {
  std::string stream;     // this dataplane run's name: a new one means numbering began again
  uint64_t first = 0;     // number of the first line given
  uint64_t next = 0;      // the cursor for the next read
  uint64_t count = 0;     // lines given
  uint64_t missed = 0;    // lines after the cursor dropped before this read (queue full)
  uint64_t dropped = 0;   // lines dropped since the dataplane started
  std::string lines;      // `count` JSON lines (docs/events.md), each ending in '\n'
  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, EventsReadResult* out, std::string* error);
};

// policy.load's arguments (the image rides along as a sealed memfd).
struct PolicyLoadArgs {
  uint64_t generation = 0;  // above 0, above the live one (or the live one again, same digest)
  std::string origin;       // for the log and policy.show
  std::string request_id;   // names this load in both processes' logs
  std::string digest;       // PolicyImageDigest of the attached image; "" = unchecked

  nlohmann::json ToJson() const;
  // False with *error naming the field for anything malformed.
  static bool FromJson(const nlohmann::json& j, PolicyLoadArgs* out, std::string* error);
};

// hello's answer.
struct DataplaneHello {
  std::string process;  // "spamwall-dataplane"
  uint16_t protocol = 0;
  int64_t pid = 0;
  uint64_t generation = 0;  // live
  std::string digest;       // of the live generation's image ("" for YAML)
  bool safe_state = false;
  unsigned workers = 0;

  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, DataplaneHello* out, std::string* error);
};

}  // namespace spamwall::api

#endif  // SPAMWALL_IPC_API_DATAPLANE_API_H_
