#include "ipc/api/controld_results.h"

#include <type_traits>

#include "ipc/api/policy_lists.h"

namespace spamwall::api::ctl {

using nlohmann::json;

namespace {

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};
template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

// Reads an object's fields into a struct: a missing or null field keeps its
// default, a field of the wrong type fails with its path.
class Fields {
 public:
  Fields(const json& j, std::string path, std::string* error) : j_(j), path_(std::move(path)), error_(error) {
    if (!j.is_object()) Fail(path_.empty() ? "the answer" : path_, "not an object", j);
  }
  template <class T>
  Fields& operator()(const char* key, T* out) {
    if (!ok_) return *this;
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return *this;
    Read(*it, Join(key), out);
    return *this;
  }
  // The same for a field the answer must have.
  template <class T>
  Fields& need(const char* key, T* out) {
    if (ok_ && !j_.contains(key)) {
      ok_ = false;
      *error_ = Join(key) + ": missing";
    }
    return (*this)(key, out);
  }
  bool ok() const { return ok_; }

 private:
  std::string Join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  void Fail(const std::string& where, const char* want, const json& v) {
    if (!ok_) return;
    ok_ = false;
    *error_ = where + ": " + want + " (" + v.type_name() + ")";
  }
  template <class T>
  void Read(const json& v, const std::string& where, T* out) {
    if constexpr (std::is_same_v<T, json>) {
      *out = v;
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (v.is_string()) *out = v.get<std::string>();
      else Fail(where, "not a string", v);
    } else if constexpr (std::is_same_v<T, bool>) {
      if (v.is_boolean()) *out = v.get<bool>();
      else Fail(where, "not a boolean", v);
    } else if constexpr (std::is_same_v<T, double>) {
      if (v.is_number()) *out = v.get<double>();
      else Fail(where, "not a number", v);
    } else if constexpr (std::is_same_v<T, uint64_t>) {
      if (v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0)) *out = v.get<uint64_t>();
      else Fail(where, "not an unsigned integer", v);
    } else if constexpr (std::is_same_v<T, int64_t>) {
      if (v.is_number_integer()) *out = v.get<int64_t>();
      else Fail(where, "not an integer", v);
    } else if constexpr (std::is_same_v<T, std::map<std::string, uint64_t>>) {
      if (!v.is_object()) return Fail(where, "not an object", v);
      for (const auto& [k, e] : v.items()) Read(e, where + "." + k, &(*out)[k]);
    } else if constexpr (IsOptional<T>::value) {
      typename T::value_type x{};
      Read(v, where, &x);
      if (ok_) *out = std::move(x);
    } else if constexpr (IsVector<T>::value) {
      if (!v.is_array()) return Fail(where, "not an array", v);
      out->clear();
      for (size_t i = 0; i < v.size() && ok_; i++) {
        out->emplace_back();
        Read(v[i], where + "[" + std::to_string(i) + "]", &out->back());
      }
    } else {  // a result type of its own
      std::string why;
      if (!T::FromJson(v, out, &why)) {
        ok_ = false;
        *error_ = where + "." + why;
      }
    }
  }

  const json& j_;
  std::string path_;
  std::string* error_;
  bool ok_ = true;
};

// FromJson's frame: a fresh *out, the fields read, the error prefixed.
template <class T, class F>
bool ReadAll(const json& j, T* out, std::string* error, F read) {
  *out = T{};
  std::string why;
  Fields f(j, "", &why);
  if (f.ok()) read(f, out);
  if (f.ok()) return true;
  *error = why;
  return false;
}

template <class T>
json Array(const std::vector<T>& v) {
  json a = json::array();
  for (const auto& x : v) a.push_back(x.ToJson());
  return a;
}

template <class T>
json OrNull(const std::optional<T>& v) {
  return v ? v->ToJson() : json(nullptr);
}

}  // namespace

json HelloResult::ToJson() const {
  return {{"process", process}, {"protocol", protocol}, {"pid", pid}, {"generation", generation}};
}
bool HelloResult::FromJson(const json& j, HelloResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, HelloResult* o) {
    f("process", &o->process)("protocol", &o->protocol)("pid", &o->pid).need("generation", &o->generation);
  });
}

json ReferencesResult::ToJson() const { return {{"files", files}}; }
bool ReferencesResult::FromJson(const json& j, ReferencesResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ReferencesResult* o) { f.need("files", &o->files); });
}

json ModeChange::ToJson() const { return {{"current", current ? json(*current) : json(nullptr)}, {"new", next}}; }
bool ModeChange::FromJson(const json& j, ModeChange* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ModeChange* o) { f("current", &o->current)("new", &o->next); });
}

json ListDiff::ToJson() const {
  return {{"current", current}, {"new", next}, {"added", added}, {"removed", removed}};
}
bool ListDiff::FromJson(const json& j, ListDiff* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ListDiff* o) {
    f("current", &o->current)("new", &o->next)("added", &o->added)("removed", &o->removed);
  });
}

json PolicyDiffCounts::ToJson() const {
  json d = json::object();
  for (const auto& [name, counts] : lists) d[name] = counts.ToJson();
  d["mode"] = mode.ToJson();
  return d;
}
bool PolicyDiffCounts::FromJson(const json& j, PolicyDiffCounts* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, PolicyDiffCounts* o) {
    for (const char* name : kDiffLists) {
      std::optional<ListDiff> d;
      f(name, &d);
      if (d) o->lists.emplace_back(name, *d);
    }
    f("mode", &o->mode);
  });
}

json ListChanges::ToJson() const {
  json c = json::object();
  for (const auto& [name, n] : lists) c[name] = {{"added", n.added}, {"removed", n.removed}};
  if (mode) c["mode"] = mode->ToJson();
  return c;
}
bool ListChanges::FromJson(const json& j, ListChanges* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ListChanges* o) {
    for (const char* name : kDiffLists) {
      std::optional<ListDiff> d;  // added and removed; the others stay 0
      f(name, &d);
      if (d) o->lists.push_back({name, {d->added, d->removed}});
    }
    f("mode", &o->mode);
  });
}

json ModeInfo::ToJson() const {
  json m = {{"effective", effective}, {"file", file}, {"origin", origin}};
  if (origin == "override") m["set_by"] = set_by, m["set_at"] = set_at;
  return m;
}
bool ModeInfo::FromJson(const json& j, ModeInfo* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ModeInfo* o) {
    f("effective", &o->effective)("file", &o->file)("origin", &o->origin)("set_by", &o->set_by)(
        "set_at", &o->set_at);
  });
}

json OverrideInfo::ToJson() const {
  return {{"kind", kind}, {"entry", entry}, {"warning", warning}, {"set_by", set_by}, {"set_at", set_at}};
}
bool OverrideInfo::FromJson(const json& j, OverrideInfo* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, OverrideInfo* o) {
    f("kind", &o->kind)("entry", &o->entry)("warning", &o->warning)("set_by", &o->set_by)("set_at", &o->set_at);
  });
}

json GenerationRecord::ToJson() const {
  return {{"generation", generation}, {"source", source},         {"mode", mode},
          {"file_mode", file_mode},   {"compiled_on", compiled_on}, {"pushed_by", pushed_by},
          {"pushed_at", pushed_at},   {"on_dataplane", on_dataplane}, {"digest", digest},
          {"summary", summary},       {"warnings", warnings}};
}
bool GenerationRecord::FromJson(const json& j, GenerationRecord* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, GenerationRecord* o) {
    f.need("generation", &o->generation)("source", &o->source)("mode", &o->mode)("file_mode", &o->file_mode)(
        "compiled_on", &o->compiled_on)("pushed_by", &o->pushed_by)("pushed_at", &o->pushed_at)(
        "on_dataplane", &o->on_dataplane)("digest", &o->digest)("summary", &o->summary)("warnings", &o->warnings);
  });
}

json CheckMode::ToJson() const { return {{"file", file}, {"effective", effective}}; }
bool CheckMode::FromJson(const json& j, CheckMode* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, CheckMode* o) { f("file", &o->file)("effective", &o->effective); });
}

json CheckResult::ToJson() const {
  json r = {{"path", path}, {"valid", valid}, {"errors", errors}, {"warnings", warnings}};
  if (valid) {
    r["mode"] = mode.ToJson();
    if (diff) r["diff"] = diff->ToJson();
    r["summary"] = summary;
    r["compile_ms"] = compile_ms;
  }
  return r;
}
bool CheckResult::FromJson(const json& j, CheckResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, CheckResult* o) {
    f("path", &o->path).need("valid", &o->valid)("errors", &o->errors)("warnings", &o->warnings)("mode", &o->mode)(
        "diff", &o->diff)("summary", &o->summary)("compile_ms", &o->compile_ms);
  });
}

json PushResult::ToJson() const {
  return {{"generation", generation}, {"previous_generation", previous_generation},
          {"source", source},         {"load_ms", load_ms},
          {"compile_ms", compile_ms}, {"image_ms", image_ms},
          {"dataplane", dataplane},   {"live_ms", live_ms},
          {"total_ms", total_ms},     {"warnings", warnings},
          {"changes", changes.ToJson()}};
}
bool PushResult::FromJson(const json& j, PushResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, PushResult* o) {
    f.need("generation", &o->generation)("previous_generation", &o->previous_generation)("source", &o->source)(
        "load_ms", &o->load_ms)("compile_ms", &o->compile_ms)("image_ms", &o->image_ms)("dataplane", &o->dataplane)(
        "live_ms", &o->live_ms)("total_ms", &o->total_ms)("warnings", &o->warnings)("changes", &o->changes);
  });
}

json RollbackResult::ToJson() const {
  return {{"generation", generation}, {"rolled_back_from", rolled_back_from},
          {"restored_generation", restored_generation}, {"source", source},
          {"dataplane", dataplane}, {"total_ms", total_ms}, {"changes", changes.ToJson()}};
}
bool RollbackResult::FromJson(const json& j, RollbackResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, RollbackResult* o) {
    f.need("generation", &o->generation)("rolled_back_from", &o->rolled_back_from)(
        "restored_generation", &o->restored_generation)("source", &o->source)("dataplane", &o->dataplane)(
        "total_ms", &o->total_ms)("changes", &o->changes);
  });
}

json ShowResult::ToJson() const {
  json r = {{"current", OrNull(current)},
            {"previous", OrNull(previous)},
            {"in_doubt", OrNull(in_doubt)},
            {"start_warnings", start_warnings},
            {"saved_generations", saved_generations},
            {"overlay", overlay},
            {"mode", OrNull(mode)},
            {"overrides", Array(overrides)},
            {"state_dir", state_dir},
            {"dataplane_socket", dataplane_socket}};
  if (dataplane) r["dataplane"] = *dataplane;
  else r["dataplane_error"] = dataplane_error;
  return r;
}
bool ShowResult::FromJson(const json& j, ShowResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ShowResult* o) {
    f("current", &o->current)("previous", &o->previous)("in_doubt", &o->in_doubt)(
        "start_warnings", &o->start_warnings)("overlay", &o->overlay)("mode", &o->mode)(
        "overrides", &o->overrides)("state_dir", &o->state_dir)("dataplane_socket", &o->dataplane_socket)(
        "dataplane", &o->dataplane)("dataplane_error", &o->dataplane_error)("saved_generations",
                                                                          &o->saved_generations);
  });
}

json StatsResult::ToJson() const {
  json r = dataplane.is_object() ? dataplane : json::object();
  r["packets_per_s"] = packets_per_s;
  r["controld_generation"] = controld_generation;
  r["mode_origin"] = OrNull(mode_origin);
  return r;
}
bool StatsResult::FromJson(const json& j, StatsResult* out, std::string* error) {
  return ReadAll(j, out, error, [&j](Fields& f, StatsResult* o) {
    f("packets_per_s", &o->packets_per_s)("controld_generation", &o->controld_generation)(
        "mode_origin", &o->mode_origin);
    o->dataplane = j;
    for (const char* k : {"packets_per_s", "controld_generation", "mode_origin"}) o->dataplane.erase(k);
  });
}

json ExemptionCoverageInfo::ToJson() const {
  return {{"prefix", prefix}, {"frees", frees}, {"of", of}, {"consumer_total", consumer_total}, {"text", text}};
}
bool ExemptionCoverageInfo::FromJson(const json& j, ExemptionCoverageInfo* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ExemptionCoverageInfo* o) {
    f("prefix", &o->prefix)("frees", &o->frees)("of", &o->of)("consumer_total", &o->consumer_total)("text", &o->text);
  });
}

json OverlayChangeResult::ToJson() const {
  return {{"generation", generation}, {"dataplane", dataplane},       {"total_ms", total_ms},
          {"changes", changes.ToJson()}, {"coalesced", coalesced},   {"exemptions", Array(exemptions)},
          {"warnings", warnings},     {"mode", OrNull(mode)},         {"overlay", overlay}};
}
bool OverlayChangeResult::FromJson(const json& j, OverlayChangeResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, OverlayChangeResult* o) {
    f.need("generation", &o->generation)("dataplane", &o->dataplane)("total_ms", &o->total_ms)("changes", &o->changes)(
        "coalesced", &o->coalesced)("exemptions", &o->exemptions)("warnings", &o->warnings)("mode", &o->mode)(
        "overlay", &o->overlay);
  });
}

json QuarantineEntry::ToJson() const { return {{"addr", addr}, {"origin", origin}}; }
bool QuarantineEntry::FromJson(const json& j, QuarantineEntry* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, QuarantineEntry* o) { f.need("addr", &o->addr)("origin", &o->origin); });
}
json QuarantineListResult::ToJson() const { return {{"entries", Array(entries)}}; }
bool QuarantineListResult::FromJson(const json& j, QuarantineListResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, QuarantineListResult* o) { f.need("entries", &o->entries); });
}

json ExemptionEntry::ToJson() const {
  json e = {{"prefix", prefix}, {"owner", owner},         {"reason", reason}, {"expires", expires},
            {"state", state},   {"days_left", days_left}, {"origin", origin}};
  if (!added_by.empty()) e["added_by"] = added_by, e["added_at"] = added_at;
  return e;
}
bool ExemptionEntry::FromJson(const json& j, ExemptionEntry* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ExemptionEntry* o) {
    f.need("prefix", &o->prefix)("owner", &o->owner)("reason", &o->reason)("expires", &o->expires)("state", &o->state)(
        "days_left", &o->days_left)("origin", &o->origin)("added_by", &o->added_by)("added_at", &o->added_at);
  });
}
json ExemptListResult::ToJson() const { return {{"entries", Array(entries)}, {"today", today}}; }
bool ExemptListResult::FromJson(const json& j, ExemptListResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ExemptListResult* o) { f.need("entries", &o->entries)("today", &o->today); });
}

json AuditTailResult::ToJson() const { return {{"path", path}, {"records", records}, {"budget_hit", budget_hit}}; }
bool AuditTailResult::FromJson(const json& j, AuditTailResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, AuditTailResult* o) {
    f("path", &o->path).need("records", &o->records)("budget_hit", &o->budget_hit);
  });
}

json WhoisResult::ToJson() const {
  return {{"message_id", message_id}, {"messages", messages}, {"complaints", complaints}};
}
bool WhoisResult::FromJson(const json& j, WhoisResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, WhoisResult* o) {
    f("message_id", &o->message_id).need("messages", &o->messages)("complaints", &o->complaints);
  });
}

json EventsQueryResult::ToJson() const { return {{"store", store}, {"events", events}}; }
bool EventsQueryResult::FromJson(const json& j, EventsQueryResult* out, std::string* error) {
  return ReadAll(j, out, error,
                 [](Fields& f, EventsQueryResult* o) { f("store", &o->store).need("events", &o->events); });
}

json ComplaintId::ToJson() const {
  return {{"message_id", message_id}, {"resolved", resolved}, {"subscriber", subscriber},
          {"server", server},         {"mail_from", mail_from}, {"ts", ts}};
}
bool ComplaintId::FromJson(const json& j, ComplaintId* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ComplaintId* o) {
    f.need("message_id", &o->message_id).need("resolved", &o->resolved)("subscriber", &o->subscriber)(
        "server", &o->server)("mail_from", &o->mail_from)("ts", &o->ts);
  });
}

json ComplaintAction::ToJson() const {
  return {{"threshold", threshold}, {"subscriber", subscriber}, {"action", action},
          {"value", value},         {"limit", limit},           {"result", result}};
}
bool ComplaintAction::FromJson(const json& j, ComplaintAction* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ComplaintAction* o) {
    f.need("threshold", &o->threshold).need("subscriber", &o->subscriber).need("action", &o->action)(
        "value", &o->value)("limit", &o->limit)("result", &o->result);
  });
}

json ComplaintResult::ToJson() const {
  return {{"kind", kind}, {"feedback_type", feedback_type}, {"ids", Array(ids)},
          {"actions", Array(actions)}, {"warnings", warnings}};
}
bool ComplaintResult::FromJson(const json& j, ComplaintResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ComplaintResult* o) {
    f("kind", &o->kind)("feedback_type", &o->feedback_type).need("ids", &o->ids)("actions", &o->actions)(
        "warnings", &o->warnings);
  });
}

json ZombieEntry::ToJson() const {
  return {{"subscriber", subscriber},
          {"attempts", attempts},
          {"destinations", destinations},
          {"hits_today", hits_today},
          {"complaints_today", complaints_today},
          {"last_seen", last_seen},
          {"quarantined", quarantined}};
}
bool ZombieEntry::FromJson(const json& j, ZombieEntry* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ZombieEntry* o) {
    f.need("subscriber", &o->subscriber)("attempts", &o->attempts)("destinations", &o->destinations)(
        "hits_today", &o->hits_today)("complaints_today", &o->complaints_today)("last_seen", &o->last_seen)(
        "quarantined", &o->quarantined);
  });
}

json ZombiesTopResult::ToJson() const {
  return {{"by", by}, {"subscribers", Array(subscribers)}, {"dataplane_error", dataplane_error}};
}
bool ZombiesTopResult::FromJson(const json& j, ZombiesTopResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, ZombiesTopResult* o) {
    f("by", &o->by).need("subscribers", &o->subscribers)("dataplane_error", &o->dataplane_error);
  });
}

json SignatureFileInfo::ToJson() const { return {{"path", path}, {"signatures", signatures}, {"bytes", bytes}}; }
bool SignatureFileInfo::FromJson(const json& j, SignatureFileInfo* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, SignatureFileInfo* o) {
    f.need("path", &o->path)("signatures", &o->signatures)("bytes", &o->bytes);
  });
}

json SignaturesCheckResult::ToJson() const {
  return {{"files", Array(files)}, {"signatures", signatures}, {"spam", spam},
          {"malware", malware},    {"exact", exact},           {"gated", gated},
          {"prefiltered", prefiltered}, {"database_bytes", database_bytes}, {"compile_ms", compile_ms}};
}
bool SignaturesCheckResult::FromJson(const json& j, SignaturesCheckResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, SignaturesCheckResult* o) {
    f.need("files", &o->files).need("signatures", &o->signatures)("spam", &o->spam)("malware", &o->malware)(
        "exact", &o->exact)("gated", &o->gated)("prefiltered", &o->prefiltered)("database_bytes", &o->database_bytes)(
        "compile_ms", &o->compile_ms);
  });
}

json SignaturesShowResult::ToJson() const {
  return {{"generation", generation}, {"files", Array(files)}, {"signatures", signatures},
          {"scan", scan}, {"dataplane_error", dataplane_error}, {"origin", origin},
          {"set_by", set_by}, {"set_at", set_at}};
}
bool SignaturesShowResult::FromJson(const json& j, SignaturesShowResult* out, std::string* error) {
  return ReadAll(j, out, error, [](Fields& f, SignaturesShowResult* o) {
    f("generation", &o->generation).need("files", &o->files)("signatures", &o->signatures)("scan", &o->scan)(
        "dataplane_error", &o->dataplane_error)("origin", &o->origin)("set_by", &o->set_by)("set_at", &o->set_at);
  });
}

}  // namespace spamwall::api::ctl
