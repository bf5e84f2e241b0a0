#include "dataplane/core/policy_image_meta.h"

#include <cstdint>
#include <iterator>

#include <nlohmann/json.hpp>

#include "dataplane/core/policy_image_format.h"

namespace spamwall::image {

namespace {

using nlohmann::json;

constexpr size_t kMaxCpuFeatures = 64;

constexpr struct {
  const char* name;
  size_t PolicySummary::*field;
} kSummaryFields[] = {
    {"consumer", &PolicySummary::consumer},
    {"business", &PolicySummary::business},
    {"internal", &PolicySummary::internal},
    {"mx_servers", &PolicySummary::mx_servers},
    {"authorized_relays", &PolicySummary::authorized_relays},
    {"quarantine", &PolicySummary::quarantine},
    {"exemptions_active", &PolicySummary::exemptions_active},
    {"exemptions_expired", &PolicySummary::exemptions_expired},
    {"smtp_ports", &PolicySummary::smtp_ports},
    {"submission_ports", &PolicySummary::submission_ports},
    {"distinct_prefixes_v4", &PolicySummary::distinct_prefixes_v4},
    {"distinct_prefixes_v6", &PolicySummary::distinct_prefixes_v6},
};
static_assert(sizeof(PolicySummary) == std::size(kSummaryFields) * sizeof(size_t),
              "a PolicySummary field the meta does not carry");

// At most kMaxStringBytes, not ending inside a UTF-8 sequence.
std::string Cut(const std::string& s) {
  if (s.size() <= kMaxStringBytes) return s;
  size_t n = kMaxStringBytes;
  while (n > 0 && (static_cast<uint8_t>(s[n]) & 0xc0) == 0x80) n--;
  return s.substr(0, n);
}

// The reads, each naming the key it wanted.
class Reader {
 public:
  explicit Reader(std::string* error) : error_(error) {}

  const json* Get(const json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end()) {
      Fail(std::string("no \"") + key + "\"");
      return nullptr;
    }
    return &*it;
  }
  bool Unsigned(const json& obj, const char* key, uint64_t max, uint64_t* out) {
    const json* v = Get(obj, key);
    if (!v) return false;
    if (!v->is_number_unsigned() || v->get<uint64_t>() > max)
      return Fail(std::string("\"") + key + "\" is not a number from 0 to " + std::to_string(max));
    *out = v->get<uint64_t>();
    return true;
  }
  bool String(const json& obj, const char* key, std::string* out) {
    const json* v = Get(obj, key);
    if (!v) return false;
    if (!v->is_string()) return Fail(std::string("\"") + key + "\" is not a string");
    if (v->get_ref<const std::string&>().size() > kMaxStringBytes)
      return Fail(std::string("\"") + key + "\" is longer than " + std::to_string(kMaxStringBytes) +
                  " bytes");
    *out = v->get<std::string>();
    return true;
  }
  const json* Object(const json& obj, const char* key) {
    const json* v = Get(obj, key);
    if (v && !v->is_object()) {
      Fail(std::string("\"") + key + "\" is not an object");
      return nullptr;
    }
    return v;
  }
  bool Fail(const std::string& what) {
    *error_ = what;
    return false;
  }

 private:
  std::string* error_;
};

}  // namespace

std::string MetaJson(const CompiledPolicy& policy, const PolicyImageMeta& meta) {
  json summary = json::object();
  for (const auto& f : kSummaryFields) summary[f.name] = policy.summary.*f.field;
  json features = json::array();
  for (size_t i = 0; i < meta.cpu_features.size() && i < kMaxCpuFeatures; i++)
    features.push_back(Cut(meta.cpu_features[i]));
  const auto v4 = policy.v4.storage();
  const auto v6 = policy.v6.storage();
  const json j = {
      {"generation", meta.generation},
      {"origin", Cut(meta.origin)},
      {"source", Cut(meta.source.empty() ? policy.source : meta.source)},
      {"created_at", Cut(meta.created_at)},
      {"compiler_version", Cut(meta.compiler_version)},
      {"cpu_features", std::move(features)},
      {"mode", policy.mode == PolicyMode::kMonitor ? "monitor" : "enforce"},
      {"smtp_flow_rate", policy.smtp_flow_rate},
      {"summary", std::move(summary)},
      {"tables",
       {{"v4", {{"slots", v4.slot_count}, {"leaves", v4.leaf_count}}},
        {"v6", {{"slots", v6.slot_count}, {"leaves", v6.leaf_count}}}}},
  };
  // Bytes that are not UTF-8 (a path is any bytes) become U+FFFD rather
  // than an exception.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool ParseMeta(const uint8_t* bytes, size_t n, MetaContents* out, std::string* error) {
  if (n > kMaxMetaBytes) {
    *error = std::to_string(n) + " bytes, more than " + std::to_string(kMaxMetaBytes);
    return false;
  }
  json j = json::parse(bytes, bytes + n, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    *error = "not a JSON object";
    return false;
  }
  Reader r(error);
  MetaContents m;
  uint64_t rate;
  std::string mode;
  if (!r.Unsigned(j, "generation", UINT64_MAX, &m.meta.generation) ||
      !r.String(j, "origin", &m.meta.origin) || !r.String(j, "source", &m.meta.source) ||
      !r.String(j, "created_at", &m.meta.created_at) ||
      !r.String(j, "compiler_version", &m.meta.compiler_version) ||
      !r.String(j, "mode", &mode) || !r.Unsigned(j, "smtp_flow_rate", UINT32_MAX, &rate))
    return false;
  if (mode != "enforce" && mode != "monitor")
    return r.Fail("\"mode\" is \"" + mode + "\", not \"enforce\" or \"monitor\"");
  m.mode = mode == "monitor" ? PolicyMode::kMonitor : PolicyMode::kEnforce;
  m.smtp_flow_rate = static_cast<uint32_t>(rate);

  const json* features = r.Get(j, "cpu_features");
  if (!features) return false;
  if (!features->is_array() || features->size() > kMaxCpuFeatures)
    return r.Fail("\"cpu_features\" is not a list of at most " + std::to_string(kMaxCpuFeatures) +
                  " strings");
  for (const json& f : *features) {
    if (!f.is_string() || f.get_ref<const std::string&>().size() > kMaxStringBytes)
      return r.Fail("\"cpu_features\" holds something other than a short string");
    m.meta.cpu_features.push_back(f.get<std::string>());
  }

  const json* summary = r.Object(j, "summary");
  if (!summary) return false;
  for (const auto& f : kSummaryFields) {
    uint64_t v;
    if (!r.Unsigned(*summary, f.name, SIZE_MAX, &v)) return r.Fail("summary: " + *error);
    m.summary.*f.field = static_cast<size_t>(v);
  }

  const json* tables = r.Object(j, "tables");
  if (!tables) return false;
  const json* v4 = r.Object(*tables, "v4");
  const json* v6 = v4 ? r.Object(*tables, "v6") : nullptr;
  // The limits of Poptrie::ValidateStorage: the byte sizes fit in 32 bits.
  if (!v6 || !r.Unsigned(*v4, "slots", uint64_t{1} << 27, &m.v4_slots) ||
      !r.Unsigned(*v4, "leaves", UINT32_MAX, &m.v4_leaves) ||
      !r.Unsigned(*v6, "slots", uint64_t{1} << 27, &m.v6_slots) ||
      !r.Unsigned(*v6, "leaves", UINT32_MAX, &m.v6_leaves))
    return r.Fail("tables: " + *error);
  *out = std::move(m);
  return true;
}

}  // namespace spamwall::image
