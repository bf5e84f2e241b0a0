#include "dataplane/app/telemetry.h"

#include <rte_telemetry.h>

#include <algorithm>
#include <mutex>
#include <string>

#include "dataplane/app/control_server.h"
#include "dataplane/app/telemetry_eal_guard.h"

namespace spamwall {

namespace {

// Telemetry callbacks carry no user pointer: the run's sources live here.
std::mutex g_mu;
std::function<nlohmann::json()> g_stats;
GenerationPublisher* g_publisher = nullptr;

// Scalars of `obj` into the dict `d`; nested objects are flattened into
// "outer_inner" names, arrays left out (they have commands of their own).
void AddFlat(rte_tel_data* d, const nlohmann::json& obj, const std::string& prefix) {
  for (const auto& [key, v] : obj.items()) {
    std::string name = prefix.empty() ? key : prefix + "_" + key;
    if (name.size() >= RTE_TEL_MAX_STRING_LEN) continue;
    if (v.is_object()) {
      AddFlat(d, v, name);
    } else if (v.is_number_unsigned()) {
      rte_tel_data_add_dict_u64(d, name.c_str(), v.get<uint64_t>());
    } else if (v.is_number_integer()) {
      rte_tel_data_add_dict_int(d, name.c_str(), v.get<int>());
    } else if (v.is_number_float()) {  // no floats in 22.11's telemetry
      rte_tel_data_add_dict_u64(d, name.c_str(), static_cast<uint64_t>(v.get<double>() + 0.5));
    } else if (v.is_boolean()) {
      rte_tel_data_add_dict_u64(d, name.c_str(), v.get<bool>());
    } else if (v.is_string()) {
      rte_tel_data_add_dict_string(d, name.c_str(), v.get<std::string>().substr(0, 120).c_str());
    }
  }
}

// An array of objects as a dict of containers named by `key` of each. A
// container the dict cannot take (it is full) is freed here: telemetry
// frees only those it took.
void AddEach(rte_tel_data* d, const nlohmann::json& items, const std::string& key,
             const std::string& prefix) {
  for (const auto& item : items) {
    rte_tel_data* child = rte_tel_data_alloc();
    if (!child) return;
    rte_tel_data_start_dict(child);
    AddFlat(child, item, "");
    std::string name = prefix + (item[key].is_string() ? item[key].get<std::string>()
                                                        : item[key].dump());
    if (rte_tel_data_add_dict_container(d, name.c_str(), child, 0) != 0) rte_tel_data_free(child);
  }
}

// One generation's row is about 300 bytes of the 16 KB a telemetry answer
// may hold: the newest this many, the live one first, fit with room.
constexpr size_t kTelemetryGenerations = 32;

int Answer(const char* cmd, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (!g_stats || !g_publisher) return -1;
  rte_tel_data_start_dict(d);
  const std::string c = cmd;
  if (c == "/spamwall/policy") {
    AddFlat(d, g_publisher->WithCurrent([](const Generation& l) { return LivePolicyJson(l); }), "");
    return 0;
  }
  if (c == "/spamwall/generations") {
    // Newest first, so a truncated list keeps the live generation and the
    // ones just before it; the totals of every generation are /spamwall/stats.
    std::vector<GenerationPublisher::GenerationTotals> gens = g_publisher->Generations();
    const size_t known = gens.size() + g_publisher->FoldedGenerations().generations;
    std::reverse(gens.begin(), gens.end());
    if (gens.size() > kTelemetryGenerations) gens.resize(kTelemetryGenerations);
    rte_tel_data_add_dict_u64(d, "generations_known", known);
    rte_tel_data_add_dict_u64(d, "generations_listed", gens.size());
    rte_tel_data_add_dict_u64(d, "truncated", known > gens.size());
    AddEach(d, GenerationsJson(gens), "generation", "generation_");
    return 0;
  }
  nlohmann::json s = g_stats();
  if (c == "/spamwall/ports") {
    AddEach(d, s["ports"], "name", "");
  } else if (c == "/spamwall/workers") {
    AddEach(d, s["workers"], "worker", "worker_");
  } else if (c == "/spamwall/stages") {
    AddEach(d, s["stages"], "stage", "");
  } else {
    s.erase("ports");
    s.erase("workers");
    AddFlat(d, s, "");
  }
  return 0;
}

}  // namespace

void StartTelemetry(std::function<nlohmann::json()> stats, GenerationPublisher* publisher) {
  static std::once_flag registered;
  std::call_once(registered, [] {
    rte_telemetry_register_cmd("/spamwall/stats", Answer,
                               "spamwall totals: packets, passed, drops per reason. No parameters");
    rte_telemetry_register_cmd("/spamwall/ports", Answer, "spamwall per-port counters. No parameters");
    rte_telemetry_register_cmd("/spamwall/workers", Answer,
                               "spamwall per-worker counters. No parameters");
    rte_telemetry_register_cmd("/spamwall/stages", Answer,
                               "spamwall per-stage cycles of the workers' poll (timed polls). No parameters");
    rte_telemetry_register_cmd("/spamwall/generations", Answer,
                               "spamwall counters per policy generation. No parameters");
    rte_telemetry_register_cmd("/spamwall/policy", Answer, "spamwall live policy. No parameters");
    GuardEalTelemetry();
  });
  std::lock_guard<std::mutex> lock(g_mu);
  g_stats = std::move(stats);
  g_publisher = publisher;
}

void EndTelemetry() {
  std::lock_guard<std::mutex> lock(g_mu);
  g_stats = nullptr;
  g_publisher = nullptr;
}

}  // namespace spamwall
