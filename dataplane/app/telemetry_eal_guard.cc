#include "dataplane/app/telemetry_eal_guard.h"

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_telemetry.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>

namespace spamwall {

std::optional<unsigned> TelemetryIndex(const char* params, unsigned limit) {
  if (params == nullptr || *params == '\0') return std::nullopt;
  uint64_t v = 0;
  for (const char* p = params; *p; p++) {
    if (*p < '0' || *p > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(*p - '0');
    if (v >= limit) return std::nullopt;
  }
  return static_cast<unsigned>(v);
}

namespace {

// The heaps DPDK lists in /eal/heap_list are the sockets' (ids 0..n-1 here:
// spamwall creates no external heaps).
int HeapInfo(const char*, const char* params, rte_tel_data* d) {
  const std::optional<unsigned> id = TelemetryIndex(params, rte_socket_count());
  if (!id) return -EINVAL;
  const int socket = rte_socket_id_by_idx(*id);
  rte_malloc_socket_stats s;
  if (socket < 0 || rte_malloc_get_socket_stats(socket, &s) != 0) return -EINVAL;
  char name[32];
  std::snprintf(name, sizeof(name), "socket_%d", socket);
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "Head_id", *id);
  rte_tel_data_add_dict_string(d, "Name", name);
  rte_tel_data_add_dict_u64(d, "Heap_size", s.heap_totalsz_bytes);
  rte_tel_data_add_dict_u64(d, "Free_size", s.heap_freesz_bytes);
  rte_tel_data_add_dict_u64(d, "Alloc_size", s.heap_allocsz_bytes);
  rte_tel_data_add_dict_u64(d, "Greatest_free_size", s.greatest_free_size);
  rte_tel_data_add_dict_u64(d, "Alloc_count", s.alloc_count);
  rte_tel_data_add_dict_u64(d, "Free_count", s.free_count);
  return 0;
}

struct ZoneSearch {
  unsigned want, at = 0;
  const rte_memzone* found = nullptr;
};

int MemzoneInfo(const char*, const char* params, rte_tel_data* d) {
  const std::optional<unsigned> index = TelemetryIndex(params, RTE_MAX_MEMZONE);
  if (!index) return -EINVAL;
  ZoneSearch search{*index};
  rte_memzone_walk(
      [](const rte_memzone* mz, void* arg) {
        auto* s = static_cast<ZoneSearch*>(arg);
        if (s->at++ == s->want) s->found = mz;
      },
      &search);
  if (search.found == nullptr) return -EINVAL;
  const rte_memzone* mz = search.found;
  char addr[32];
  std::snprintf(addr, sizeof(addr), "%p", mz->addr);
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "Zone", *index);
  rte_tel_data_add_dict_string(d, "Name", mz->name);
  rte_tel_data_add_dict_u64(d, "Length", mz->len);
  rte_tel_data_add_dict_string(d, "Address", addr);
  rte_tel_data_add_dict_int(d, "Socket", mz->socket_id);
  rte_tel_data_add_dict_u64(d, "Flags", mz->flags);
  rte_tel_data_add_dict_u64(d, "Hugepage_size", mz->hugepage_sz);
  return 0;
}

}  // namespace

void GuardEalTelemetry() {
  rte_telemetry_register_cmd("/eal/heap_info", HeapInfo,
                             "Returns malloc heap stats. Parameters: int heap_id");
  rte_telemetry_register_cmd("/eal/memzone_info", MemzoneInfo,
                             "Returns information about a memzone. Parameters: int memzone_id");
}

}  // namespace spamwall
