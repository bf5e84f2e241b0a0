// The compiled policy: one immutable object that answers every question the
// verdict asks with at most two longest-prefix lookups (S and D) and two port
// bit tests. Built by control/policy/policy_compiler.cc; read by the DPDK
// workers, the XDP loader, the tools and the tests.
#ifndef SPAMWALL_DATAPLANE_CORE_COMPILED_POLICY_H_
#define SPAMWALL_DATAPLANE_CORE_COMPILED_POLICY_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/core/packet_parse.h"
#include "dataplane/core/poptrie.h"
#include "dataplane/core/poptrie_builder.h"
#include "dataplane/core/stride_trie.h"
#include "dataplane/core/verdict_rules.h"

namespace spamwall {

namespace signatures {
class Database;  // dataplane/signatures/database.h: the core only carries it
}  // namespace signatures

enum class PolicyMode : uint8_t { kEnforce, kMonitor };

// One bit per TCP port.
class PortSet {
 public:
  void Add(uint16_t port) { bits_[port >> 6] |= uint64_t{1} << (port & 63); }
  bool Has(uint16_t port) const { return (bits_[port >> 6] >> (port & 63)) & 1; }
  std::array<uint64_t, 1024>& bits() { return bits_; }  // for the policy image
  const std::array<uint64_t, 1024>& bits() const { return bits_; }

 private:
  std::array<uint64_t, 1024> bits_{};
};

// How many entries each list contributed: what `policy check` diffs.
struct PolicySummary {
  size_t consumer = 0, business = 0, internal = 0, mx_servers = 0,
         authorized_relays = 0, quarantine = 0, exemptions_active = 0,
         exemptions_expired = 0, smtp_ports = 0, submission_ports = 0;
  size_t distinct_prefixes_v4 = 0, distinct_prefixes_v6 = 0;
};

// A field added here is also copied by the dataplane's per-socket replica
// (dataplane/app/numa_replica.cc) and carried by the policy image.
struct CompiledPolicy {
  // What the compiler builds: each family's prefixes, sorted and merged
  // (poptrie_builder.h), straight into the lookup tables. Throws
  // PoptrieNodeLimit past max_nodes nodes in a family.
  CompiledPolicy(const std::vector<PoptriePrefix>& v4_prefixes,
                 const std::vector<PoptriePrefix>& v6_prefixes, size_t max_nodes)
      : v4(v4_prefixes.data(), v4_prefixes.size(), max_nodes),
        v6(v6_prefixes.data(), v6_prefixes.size(), max_nodes) {}
  // Compressed copies of painted tries (stride_trie.h): the same tables.
  CompiledPolicy(const Ipv4Table& v4_source, const Ipv6Table& v6_source)
      : v4(v4_source), v6(v6_source) {}
  // From tables checked by Poptrie::ValidateStorage (a policy image).
  CompiledPolicy(const Ipv4Poptrie::Storage& v4_tables, const Ipv6Poptrie::Storage& v6_tables)
      : v4(v4_tables), v6(v6_tables) {}

  uint64_t generation = 0;
  PolicyMode mode = PolicyMode::kEnforce;
  PortSet smtp_ports;
  PortSet submission_ports;
  Ipv4Poptrie v4;
  Ipv6Poptrie v6;
  uint32_t smtp_flow_rate = 0;
  std::string source;  // the policy file it came from
  PolicySummary summary;
  // The policy's signature set (docs/signatures.md), empty when it names
  // none: the serialized database (signatures/serialize.h) that the image
  // carries as its required signatures section, opaque to the core, and the
  // engine ready to scan, set by whoever compiled or deserialized it (the
  // policy compiler; the dataplane's image loader, generation_image.h, which
  // checks it against this CPU). A replica shares the engine, not the bytes.
  std::string signature_db;
  std::shared_ptr<const signatures::Database> signatures;

  uint8_t PortFlags(uint16_t port) const {
    return static_cast<uint8_t>((smtp_ports.Has(port) ? SW_PORT_SMTP : 0) |
                                (submission_ports.Has(port) ? SW_PORT_SUBMISSION : 0));
  }
  uint8_t ClassOf(uint8_t l3, const uint8_t* addr) const {
    return l3 == SW_L3_IPV4 ? v4.Lookup(addr) : v6.Lookup(addr);
  }
};

}  // namespace spamwall

#endif  // SPAMWALL_DATAPLANE_CORE_COMPILED_POLICY_H_
