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
}  // namespace dp

// zombies.top's arguments: the n subscribers highest by `by`.
struct ZombiesTopArgs {
  static constexpr uint64_t kMaxN = 1000;
  std::string by = "attempts";  // "attempts" (blocked SYNs) or "destinations" (distinct, estimated)
  uint64_t n = 20;              // 1..kMaxN

  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, ZombiesTopArgs* out, std::string* error);
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
