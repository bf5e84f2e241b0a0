#include "ipc/api/dataplane_api.h"

namespace spamwall::api {

namespace {

// Each reads j[key] into *out when present with the right type; a present
// key of another type is an error naming it.
bool Str(const nlohmann::json& j, const char* key, std::string* out, std::string* error) {
  if (!j.contains(key)) return true;
  if (!j[key].is_string()) {
    *error = std::string("\"") + key + "\" must be a string";
    return false;
  }
  *out = j[key].get<std::string>();
  return true;
}

template <typename T>
bool Unsigned(const nlohmann::json& j, const char* key, T* out, std::string* error) {
  if (!j.contains(key)) return true;
  if (!j[key].is_number_unsigned()) {
    *error = std::string("\"") + key + "\" must be a number 0 or above";
    return false;
  }
  *out = j[key].get<T>();
  return true;
}

}  // namespace

nlohmann::json PolicyLoadArgs::ToJson() const {
  return {{"generation", generation}, {"origin", origin}, {"request_id", request_id}, {"digest", digest}};
}

bool PolicyLoadArgs::FromJson(const nlohmann::json& j, PolicyLoadArgs* out, std::string* error) {
  *out = PolicyLoadArgs{};
  if (!j.is_object() || !j.contains("generation") || !j["generation"].is_number_unsigned() ||
      j["generation"].get<uint64_t>() == 0) {
    *error = "policy.load needs \"generation\": a number above 0";
    return false;
  }
  out->generation = j["generation"].get<uint64_t>();
  std::string why;
  if (!Str(j, "origin", &out->origin, &why) || !Str(j, "request_id", &out->request_id, &why) ||
      !Str(j, "digest", &out->digest, &why)) {
    *error = "policy.load: " + why;
    return false;
  }
  return true;
}

nlohmann::json EventsReadArgs::ToJson() const { return {{"after", after}, {"max_bytes", max_bytes}}; }

bool EventsReadArgs::FromJson(const nlohmann::json& j, EventsReadArgs* out, std::string* error) {
  *out = EventsReadArgs{};
  if (!j.is_null() && !j.is_object()) {
    *error = "events.read: the arguments must be an object";
    return false;
  }
  if (j.is_null()) return true;
  std::string why;
  if (!Unsigned(j, "after", &out->after, &why) || !Unsigned(j, "max_bytes", &out->max_bytes, &why)) {
    *error = "events.read: " + why;
    return false;
  }
  if (out->max_bytes == 0 || out->max_bytes > kMaxBytes) {
    *error = "events.read: \"max_bytes\" must be 1.." + std::to_string(kMaxBytes);
    return false;
  }
  return true;
}

nlohmann::json EventsReadResult::ToJson() const {
  return {{"stream", stream}, {"first", first},     {"next", next},  {"count", count},
          {"missed", missed}, {"dropped", dropped}, {"lines", lines}};
}

bool EventsReadResult::FromJson(const nlohmann::json& j, EventsReadResult* out, std::string* error) {
  *out = EventsReadResult{};
  std::string why;
  if (!j.is_object() || !j.contains("stream") || !j.contains("next") || !j.contains("lines")) {
    *error = "events.read's answer needs \"stream\", \"next\" and \"lines\"";
    return false;
  }
  if (!Str(j, "stream", &out->stream, &why) || !Unsigned(j, "first", &out->first, &why) ||
      !Unsigned(j, "next", &out->next, &why) || !Unsigned(j, "count", &out->count, &why) ||
      !Unsigned(j, "missed", &out->missed, &why) || !Unsigned(j, "dropped", &out->dropped, &why) ||
      !Str(j, "lines", &out->lines, &why)) {
    *error = "events.read's answer: " + why;
    return false;
  }
  return true;
}

nlohmann::json ZombiesTopArgs::ToJson() const { return {{"by", by}, {"n", n}}; }

bool ZombiesTopArgs::FromJson(const nlohmann::json& j, ZombiesTopArgs* out, std::string* error) {
  *out = ZombiesTopArgs{};
  if (!j.is_null() && !j.is_object()) {
    *error = "zombies.top: the arguments must be an object";
    return false;
  }
  if (j.is_object() && j.contains("by")) {
    if (!j["by"].is_string() || (j["by"] != "attempts" && j["by"] != "destinations")) {
      *error = "zombies.top: \"by\" must be \"attempts\" or \"destinations\"";
      return false;
    }
    out->by = j["by"].get<std::string>();
  }
  if (j.is_object() && j.contains("n")) {
    if (!j["n"].is_number_unsigned() || j["n"].get<uint64_t>() == 0 || j["n"].get<uint64_t>() > kMaxN) {
      *error = "zombies.top: \"n\" must be a number from 1 to " + std::to_string(kMaxN);
      return false;
    }
    out->n = j["n"].get<uint64_t>();
  }
  return true;
}

nlohmann::json DataplaneHello::ToJson() const {
  return {{"process", process},       {"protocol", protocol},     {"pid", pid},
          {"generation", generation}, {"digest", digest},         {"safe_state", safe_state},
          {"workers", workers}};
}

bool DataplaneHello::FromJson(const nlohmann::json& j, DataplaneHello* out, std::string* error) {
  *out = DataplaneHello{};
  if (!j.is_object()) {
    *error = "hello: the answer is not an object";
    return false;
  }
  std::string why;
  if (!Str(j, "process", &out->process, &why) || !Unsigned(j, "protocol", &out->protocol, &why) ||
      !Unsigned(j, "generation", &out->generation, &why) || !Str(j, "digest", &out->digest, &why) ||
      !Unsigned(j, "workers", &out->workers, &why)) {
    *error = "hello: " + why;
    return false;
  }
  if (j.contains("pid") && j["pid"].is_number_integer()) out->pid = j["pid"].get<int64_t>();
  if (j.contains("safe_state") && j["safe_state"].is_boolean()) out->safe_state = j["safe_state"].get<bool>();
  return true;
}

}  // namespace spamwall::api
