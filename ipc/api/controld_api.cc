#include "ipc/api/controld_api.h"

#include <algorithm>
#include <initializer_list>
#include <iterator>

#include "dataplane/core/printable.h"

namespace spamwall::api::ctl {

using nlohmann::json;

namespace {

// Refuses any key not in `known`, naming them.
bool KnownKeys(const json& j, std::initializer_list<const char*> known, std::string* error) {
  if (!j.is_object()) {
    *error = "arguments must be a JSON object";
    return false;
  }
  if (const std::string* k = UnknownKey(j, known)) {
    std::string list;
    for (const char* n : known) list += (list.empty() ? "" : ", ") + std::string(n);
    *error = "unknown argument '" + Printable(*k, 64) + "' (known: " + (list.empty() ? "none" : list) + ")";
    return false;
  }
  return true;
}

// A string field: its type, at most `max` bytes, no control characters
// (a NUL inside an address, an escape sequence in a reason).
bool Text(const json& j, const char* key, size_t max, bool required, std::string* out,
          std::string* error) {
  auto it = j.find(key);
  if (it == j.end()) {
    if (required) *error = "argument '" + std::string(key) + "' (a string) is required";
    return !required;
  }
  if (!it->is_string()) {
    *error = "argument '" + std::string(key) + "' must be a string, not " + it->type_name();
    return false;
  }
  const std::string& s = it->get_ref<const std::string&>();
  if (s.size() > max) {
    *error = "argument '" + std::string(key) + "' is " + std::to_string(s.size()) +
             " bytes, at most " + std::to_string(max) + " allowed";
    return false;
  }
  for (unsigned char c : s)
    if (IsControlByte(c)) {
      *error = "argument '" + std::string(key) + "' contains a control character (" +
               (c == 0 ? std::string("a NUL byte") : Printable(std::string(1, static_cast<char>(c)))) +
               "): '" + Printable(s) + "'";
      return false;
    }
  *out = s;
  return true;
}

// {"addr"} or {"bundle"}: exactly one of them.
bool OneOrBulk(const json& j, const char* key, std::string* out, bool* bulk, std::string* error) {
  *bulk = j.contains("bundle");
  if (*bulk && j.contains(key)) {
    *error = "give '" + std::string(key) + "' or a bundle (a file of them), not both";
    return false;
  }
  return *bulk || Text(j, key, kMaxAddrBytes, true, out, error);
}

}  // namespace

const std::string* UnknownKey(const json& j, std::initializer_list<const char*> known) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* n : known) ok = ok || it.key() == n;
    if (!ok) return &it.key();
  }
  return nullptr;
}

std::string Printable(std::string_view s, size_t max) { return spamwall::Printable(s, max); }

json QuarantineArgs::ToJson() const { return bulk ? json::object() : json{{"addr", addr}}; }

bool QuarantineArgs::FromJson(const json& j, QuarantineArgs* out, std::string* error) {
  return KnownKeys(j, {"addr", "bundle"}, error) && OneOrBulk(j, "addr", &out->addr, &out->bulk, error);
}

json ExemptAddArgs::ToJson() const {
  json j = {{"owner", owner}, {"reason", reason}, {"expires", expires}};
  if (!bulk) j["prefix"] = prefix;
  if (force) j["force"] = true;
  return j;
}

bool ExemptAddArgs::FromJson(const json& j, ExemptAddArgs* out, std::string* error) {
  if (auto it = j.find("force"); j.is_object() && it != j.end()) {
    if (!it->is_boolean()) {
      *error = "argument 'force' must be true or false, not " + std::string(it->type_name());
      return false;
    }
    out->force = it->get<bool>();
  }
  return KnownKeys(j, {"prefix", "bundle", "owner", "reason", "expires", "force"}, error) &&
         OneOrBulk(j, "prefix", &out->prefix, &out->bulk, error) &&
         Text(j, "owner", kMaxTextBytes, true, &out->owner, error) &&
         Text(j, "reason", kMaxTextBytes, true, &out->reason, error) &&
         Text(j, "expires", 10, true, &out->expires, error);
}

json ExemptDelArgs::ToJson() const { return {{"prefix", prefix}}; }

bool ExemptDelArgs::FromJson(const json& j, ExemptDelArgs* out, std::string* error) {
  return KnownKeys(j, {"prefix"}, error) && Text(j, "prefix", kMaxAddrBytes, true, &out->prefix, error);
}

json ModeSetArgs::ToJson() const { return {{"mode", mode}}; }

bool ModeSetArgs::FromJson(const json& j, ModeSetArgs* out, std::string* error) {
  if (!KnownKeys(j, {"mode"}, error) || !Text(j, "mode", 16, true, &out->mode, error)) return false;
  if (out->mode != "enforce" && out->mode != "monitor") {
    *error = "mode must be 'enforce' or 'monitor', not '" + out->mode + "'";
    return false;
  }
  return true;
}

json AuditTailArgs::ToJson() const {
  json j = {{"n", n}, {"max_bytes", max_bytes}};
  if (!user.empty()) j["user"] = user;
  if (!since.empty()) j["since"] = since;
  return j;
}

bool AuditTailArgs::FromJson(const json& j, AuditTailArgs* out, std::string* error) {
  if (!KnownKeys(j, {"n", "user", "since", "max_bytes"}, error) ||
      !Text(j, "user", 64, false, &out->user, error) || !Text(j, "since", 32, false, &out->since, error))
    return false;
  auto integer = [&](const char* key, int64_t lo, int64_t hi, int64_t* v) {
    auto it = j.find(key);
    if (it == j.end()) return true;
    if (!it->is_number_integer() || it->get<int64_t>() < lo || it->get<int64_t>() > hi) {
      *error = "argument '" + std::string(key) + "' must be an integer " + std::to_string(lo) + ".." +
               std::to_string(hi);
      return false;
    }
    *v = it->get<int64_t>();
    return true;
  };
  return integer("n", 1, 100000, &out->n) && integer("max_bytes", 4096, int64_t{256} << 20, &out->max_bytes);
}

json PolicyRollbackArgs::ToJson() const { return to ? json{{"to", to}} : json::object(); }

bool PolicyRollbackArgs::FromJson(const json& j, PolicyRollbackArgs* out, std::string* error) {
  if (!KnownKeys(j, {"to"}, error)) return false;
  auto it = j.find("to");
  if (it == j.end()) return true;
  if (!it->is_number_unsigned() || it->get<uint64_t>() == 0) {
    *error = "argument 'to' must be a generation number (a positive integer)";
    return false;
  }
  out->to = it->get<uint64_t>();
  return true;
}

bool NoArgs(const json& j, std::string* error) { return KnownKeys(j, {}, error); }

json WhoisArgs::ToJson() const { return {{"message_id", message_id}}; }

bool WhoisArgs::FromJson(const json& j, WhoisArgs* out, std::string* error) {
  if (!KnownKeys(j, {"message_id"}, error) || !Text(j, "message_id", kMaxBytes, true, &out->message_id, error))
    return false;
  if (out->message_id.find_first_not_of(" \t<>") == std::string::npos) {
    *error = "argument 'message_id' is empty";
    return false;
  }
  return true;
}

json EventsQueryArgs::ToJson() const {
  json j = {{"n", n}};
  if (!subscriber.empty()) j["subscriber"] = subscriber;
  if (!type.empty()) j["type"] = type;
  if (since > 0) j["since"] = since;
  return j;
}

bool EventsQueryArgs::FromJson(const json& j, EventsQueryArgs* out, std::string* error) {
  if (!KnownKeys(j, {"subscriber", "type", "since", "n"}, error) ||
      !Text(j, "subscriber", kMaxAddrBytes, false, &out->subscriber, error) ||
      !Text(j, "type", 32, false, &out->type, error))
    return false;
  static const char* const kTypes[] = {"smtp_session", "smtp_message", "complaint", "threshold_alert"};
  if (!out->type.empty() &&
      std::none_of(std::begin(kTypes), std::end(kTypes), [&](const char* t) { return out->type == t; })) {
    *error = "argument 'type' must be smtp_session, smtp_message, complaint or threshold_alert, not '" +
             Printable(out->type, 32) + "'";
    return false;
  }
  if (auto it = j.find("since"); it != j.end()) {
    if (!it->is_number() || it->get<double>() < 0) {
      *error = "argument 'since' must be a time in unix seconds (a number 0 or above)";
      return false;
    }
    out->since = it->get<double>();
  }
  if (auto it = j.find("n"); it != j.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 10000) {
      *error = "argument 'n' must be an integer 1..10000";
      return false;
    }
    out->n = it->get<int64_t>();
  }
  return true;
}

bool ComplaintArgs::FromJson(const json& j, ComplaintArgs*, std::string* error) {
  if (!KnownKeys(j, {"bundle"}, error)) return false;
  if (!j.contains("bundle")) {
    *error = "complaint needs the complaint file as a bundle (spamwallctl complaint FILE)";
    return false;
  }
  return true;
}

json ZombiesTopArgs::ToJson() const { return {{"by", by}, {"n", n}}; }

bool ZombiesTopArgs::FromJson(const json& j, ZombiesTopArgs* out, std::string* error) {
  if (!KnownKeys(j, {"by", "n"}, error) || !Text(j, "by", 32, false, &out->by, error)) return false;
  if (out->by != "attempts" && out->by != "destinations" && out->by != "hits" && out->by != "complaints") {
    *error = "argument 'by' must be attempts, destinations, hits or complaints, not '" + Printable(out->by, 32) + "'";
    return false;
  }
  if (auto it = j.find("n"); it != j.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 1000) {
      *error = "argument 'n' must be an integer 1..1000";
      return false;
    }
    out->n = it->get<int64_t>();
  }
  return true;
}

}  // namespace spamwall::api::ctl
