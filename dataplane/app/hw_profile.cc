#include "dataplane/app/hw_profile.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>

#include "dataplane/app/eth_names.h"

namespace spamwall {
namespace {

// Thrown by the readers below and caught once in LoadHwProfile, so that every
// check is one line and every refusal carries the position of the bad node.
struct Refusal {
  YAML::Mark mark;
  std::string message;
};

[[noreturn]] void Refuse(const YAML::Node& at, std::string message) {
  throw Refusal{at.Mark(), std::move(message)};
}

std::string Where(const std::string& path, const YAML::Mark& mark) {
  // yaml-cpp counts from 0; an empty document has no mark at all.
  const int line = mark.is_null() ? 1 : mark.line + 1;
  const int column = mark.is_null() ? 1 : mark.column + 1;
  return path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

std::string String(const YAML::Node& n, const std::string& key) {
  if (n.IsNull()) Refuse(n, key + ": expected a string, got null (quote words such as null or true)");
  if (!n.IsScalar()) Refuse(n, key + ": expected a string");
  return n.Scalar();
}

int64_t Integer(const YAML::Node& n, const std::string& key, int64_t lo, int64_t hi) {
  const std::string range = std::to_string(lo) + ".." + std::to_string(hi);
  // A quoted "4" is a string in YAML: refuse it rather than guess.
  if (!n.IsScalar() || n.Tag() != "?") Refuse(n, key + ": expected an integer in " + range);
  const std::string& s = n.Scalar();
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) Refuse(n, key + ": " + s + " is out of range " + range);
  if (ec != std::errc() || end != s.data() + s.size())
    Refuse(n, key + ": expected an integer in " + range + ", got '" + s + "'");
  if (v < lo || v > hi) Refuse(n, key + ": " + s + " is out of range " + range);
  return v;
}

bool Boolean(const YAML::Node& n, const std::string& key) {
  if (n.IsScalar() && n.Tag() == "?" && (n.Scalar() == "true" || n.Scalar() == "false"))
    return n.Scalar() == "true";
  Refuse(n, key + ": expected true or false");
}

std::vector<std::string> Strings(const YAML::Node& n, const std::string& key) {
  if (!n.IsSequence()) Refuse(n, key + ": expected a list of strings");
  std::vector<std::string> out;
  for (const YAML::Node& item : n) out.push_back(String(item, key + " item"));
  return out;
}

using Reader = std::function<void(const YAML::Node&, const std::string& key, HwProfile*)>;

template <class T>
Reader Int(T HwProfile::*field, int64_t lo, int64_t hi) {
  return [=](const YAML::Node& n, const std::string& key, HwProfile* p) {
    p->*field = static_cast<T>(Integer(n, key, lo, hi));
  };
}
Reader Str(std::string HwProfile::*field) {
  return [=](const YAML::Node& n, const std::string& key, HwProfile* p) { p->*field = String(n, key); };
}
Reader Bool(bool HwProfile::*field) {
  return [=](const YAML::Node& n, const std::string& key, HwProfile* p) { p->*field = Boolean(n, key); };
}
Reader List(std::vector<std::string> HwProfile::*field) {
  return [=](const YAML::Node& n, const std::string& key, HwProfile* p) { p->*field = Strings(n, key); };
}
// A list of RSS field or offload names, checked against the table SetupPort uses.
Reader Names(std::vector<std::string> HwProfile::*field, EthNameKind kind) {
  return [=](const YAML::Node& n, const std::string& key, HwProfile* p) {
    p->*field = Strings(n, key);
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string& name = (p->*field)[i];
      if (EthNameBits(kind, name) == 0) {
        Refuse(n[i], key + ": unknown " + EthNameKindLabel(kind) + " '" + name +
                         "'; accepted: " + EthNameList(kind));
      }
    }
  };
}

// Every key a profile may hold, dotted for nested ones; sections are derived from it.
const std::map<std::string, Reader>& Fields() {
  static const auto* fields = new std::map<std::string, Reader>{
      {"name", Str(&HwProfile::name)},
      {"driver", Str(&HwProfile::driver)},
      {"description", Str(&HwProfile::description)},
      {"virtual", Bool(&HwProfile::is_virtual)},
      {"vdevs", List(&HwProfile::vdevs)},
      {"devargs", Str(&HwProfile::devargs)},
      {"queues.rx", Int(&HwProfile::rx_queues, 1, 1024)},
      {"queues.tx", Int(&HwProfile::tx_queues, 1, 1024)},
      {"descriptors.rx", Int(&HwProfile::rx_desc, 64, 32768)},
      {"descriptors.tx", Int(&HwProfile::tx_desc, 64, 32768)},
      {"burst", Int(&HwProfile::burst, 1, 512)},
      {"mempool.mbufs", Int(&HwProfile::mempool_mbufs, 512, 1 << 28)},
      {"mempool.cache", Int(&HwProfile::mempool_cache, 0, kMempoolCacheMax)},
      // rte_pktmbuf_pool_create takes the data room as a uint16_t.
      {"mempool.data_room", Int(&HwProfile::mbuf_data_room, kMbufHeadroom + 64, 65535)},
      {"mtu", Int(&HwProfile::mtu, 68, 65535)},
      {"promiscuous", Bool(&HwProfile::promiscuous)},
      {"rss.enabled", Bool(&HwProfile::rss_enabled)},
      {"rss.hash_fields", Names(&HwProfile::rss_hash_fields, EthNameKind::kRssField)},
      {"rss.symmetric", Bool(&HwProfile::rss_symmetric)},
      // Toeplitz needs 4 key bytes more than its longest input (IPv6 + ports: 36).
      {"rss.key_length", Int(&HwProfile::rss_key_length, 40, 255)},
      {"offloads.rx", Names(&HwProfile::rx_offloads, EthNameKind::kRxOffload)},
      {"offloads.tx", Names(&HwProfile::tx_offloads, EthNameKind::kTxOffload)},
      {"numa", Str(&HwProfile::numa)},
  };
  return *fields;
}

// "a, b, c": the keys accepted directly under `prefix` ("" or "rss.").
std::string KeysUnder(const std::string& prefix) {
  std::string out, last;
  for (const auto& [key, reader] : Fields()) {
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string next = key.substr(prefix.size(), key.find('.', prefix.size()) - prefix.size());
    if (next == last) continue;
    out += (out.empty() ? "" : ", ") + next;
    last = next;
  }
  return out;
}

using Seen = std::map<std::string, YAML::Node>;

// Reads the keys of `map` found at `prefix`, descending into sections.
void Walk(const YAML::Node& map, const std::string& prefix, HwProfile* p, Seen* seen) {
  if (!map.IsMap()) {
    const std::string what = prefix.empty() ? "a profile" : prefix.substr(0, prefix.size() - 1);
    Refuse(map, what + ": expected a mapping with keys " + KeysUnder(prefix));
  }
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) Refuse(kv.first, "expected a plain key name");
    const std::string key = prefix + kv.first.Scalar();
    if (!seen->emplace(key, kv.second).second) Refuse(kv.first, "duplicate key '" + key + "'");
    if (auto field = Fields().find(key); field != Fields().end()) {
      field->second(kv.second, key, p);
    } else if (!KeysUnder(key + ".").empty()) {
      Walk(kv.second, key + ".", p, seen);
    } else {
      Refuse(kv.first, "unknown key '" + key + "'; accepted here: " + KeysUnder(prefix));
    }
  }
}

// Rules between keys: each refusal points at the key that has to change.
void CheckConsistency(const YAML::Node& root, const Seen& seen, const HwProfile& p) {
  auto at = [&](const std::string& key) { return seen.count(key) ? seen.at(key) : root; };
  for (const char* key : {"name", "driver"}) {
    if (!seen.count(key)) Refuse(root, std::string("missing required key '") + key + "'");
  }
  if (p.name.empty()) Refuse(at("name"), "name: must not be empty");
  if (p.driver.empty()) Refuse(at("driver"), "driver: must not be empty");
  if (!p.is_virtual && !p.vdevs.empty())
    Refuse(at("vdevs"), "vdevs: only a virtual profile (virtual: true) may create ports");
  if (p.is_virtual && !p.devargs.empty())
    Refuse(at("devargs"), "devargs: applies to PCI ports; a virtual port takes its arguments in vdevs");
  if (p.rss_enabled && p.rss_hash_fields.empty())
    Refuse(at("rss.enabled"), "rss.enabled: true needs at least one rss.hash_fields entry");
  if (p.rss_symmetric && !p.rss_enabled)
    Refuse(at("rss.symmetric"), "rss.symmetric: true needs rss.enabled: true");
  // rte_mempool_create refuses a cache above n / 1.5 (its flush threshold).
  if (uint64_t{p.mempool_cache} * 3 > uint64_t{p.mempool_mbufs} * 2) {
    Refuse(at("mempool.cache"), "mempool.cache " + std::to_string(p.mempool_cache) +
                                    " is above mempool.mbufs / 1.5 (" + std::to_string(p.mempool_mbufs) +
                                    "), which DPDK refuses");
  }
  // Filling the RX rings of one port must not empty the pool, or the port cannot start.
  if (uint64_t{p.rx_queues} * p.rx_desc >= p.mempool_mbufs) {
    Refuse(at("mempool.mbufs"), "mempool.mbufs " + std::to_string(p.mempool_mbufs) +
                                    " must be more than queues.rx x descriptors.rx = " +
                                    std::to_string(uint64_t{p.rx_queues} * p.rx_desc));
  }
  const uint32_t frame = p.mtu + kL2Overhead, room = p.mbuf_data_room - kMbufHeadroom;
  bool scatter = false;
  for (const std::string& o : p.rx_offloads) scatter |= (o == "scatter");
  if (frame > room && !scatter) {
    Refuse(at("mtu"), "mtu " + std::to_string(p.mtu) + " makes frames of up to " + std::to_string(frame) +
                          " bytes, but mempool.data_room " + std::to_string(p.mbuf_data_room) + " holds " +
                          std::to_string(room) + " after the mbuf headroom; raise data_room to " +
                          std::to_string(frame + kMbufHeadroom) + " or add the rx offload scatter");
  }
}

}  // namespace

bool LoadHwProfile(const std::string& path, HwProfile* out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  HwProfile p;
  p.path = path;
  try {
    const YAML::Node root = YAML::Load(in);
    Seen seen;
    Walk(root, "", &p, &seen);
    CheckConsistency(root, seen, p);
  } catch (const Refusal& r) {
    *error = Where(path, r.mark) + r.message;
    return false;
  } catch (const YAML::Exception& e) {  // syntax errors carry their own mark
    *error = Where(path, e.mark) + e.msg;
    return false;
  }
  *out = std::move(p);
  return true;
}

}  // namespace spamwall
