// How much an exemption frees: the consumer addresses inside its whole range
// (not only its first address), of how many addresses it spans and of all
// the policy's consumer addresses of its family. "Consumer" is the resolved
// class (consumer and business by the longer prefix, as the lookup tables
// have it), so a business block inside an exempted consumer range is not
// counted as freed.
//
// Counted over a family's prefix list as the compiler sorts and merges it
// (SortAndMergePrefixes: by address, then length, a prefix before the ones
// inside it), walked as a tree: O(129 log n) for the prefixes covering the
// exemption plus the entries inside it.
#ifndef SPAMWALL_CONTROL_POLICY_EXEMPTION_COVERAGE_H_
#define SPAMWALL_CONTROL_POLICY_EXEMPTION_COVERAGE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "control/policy/policy.h"
#include "dataplane/core/poptrie_builder.h"
#include "dataplane/core/prefix.h"

namespace spamwall {

using AddressCount = unsigned __int128;  // ::/0 saturates at 2^128 - 1

struct ExemptionCoverage {
  Prefix prefix;
  AddressCount freed = 0;           // consumer addresses inside it
  AddressCount size = 0;            // all its addresses
  AddressCount consumer_total = 0;  // the policy's consumer addresses, this family
};

class ConsumerSpace {
 public:
  // `sorted`: one family's list by SortAndMergePrefixes (bits of any
  // classes; only consumer and business matter); it must outlive this.
  ConsumerSpace(const PoptriePrefix* sorted, size_t n, int key_bytes);
  AddressCount ConsumerIn(const Prefix& p) const;
  // The family's consumer addresses: one walk of the whole list, on first use.
  AddressCount Total() const;

 private:
  const PoptriePrefix* p_;
  size_t n_;
  int key_bytes_;
  mutable std::optional<AddressCount> total_;
};

// The consumer and business prefixes of a policy, sorted and merged per
// family (what ConsumerSpace walks), for a check outside the compiler.
struct SubscriberLists {
  std::vector<PoptriePrefix> v4, v6;
  explicit SubscriberLists(const Policy& policy);
  ExemptionCoverage Cover(const Prefix& p) const;
};

// The coverage of p against one family's space.
ExemptionCoverage CoverageOf(const ConsumerSpace& space, const Prefix& p);

// "1,234,567"; 2^128 - 1 as "2^128".
std::string FormatCount(AddressCount n);

// "frees 256 consumer addresses of its 65,536 (0.4%; 0.1% of the policy's
// 262,144 IPv4 consumer addresses)".
std::string CoverageText(const ExemptionCoverage& c);

}  // namespace spamwall

#endif  // SPAMWALL_CONTROL_POLICY_EXEMPTION_COVERAGE_H_
