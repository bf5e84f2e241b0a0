#include "bench/prefix_set.h"

#include <filesystem>
#include <fstream>
#include <random>

namespace spamwall::bench {

namespace {

void ClearHostBits(Prefix* p) {
  for (int bit = p->length; bit < p->max_length(); bit++)
    p->addr[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
}

}  // namespace

std::vector<Prefix> MakePrefixes(size_t count_v4, size_t count_v6, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Prefix> out;
  out.reserve(count_v4 + count_v6);
  static const int kV4Lengths[] = {16, 20, 22, 24, 24, 24, 26, 28, 29, 30, 32, 32, 32, 32};
  for (size_t i = 0; i < count_v4; i++) {
    Prefix p;
    p.family = 4;
    p.length = static_cast<uint8_t>(kV4Lengths[rng() % std::size(kV4Lengths)]);
    uint32_t a = static_cast<uint32_t>(rng());
    a = (a & 0x7fffffff) | 0x01000000;  // unicast-ish space
    for (int b = 0; b < 4; b++) p.addr[b] = static_cast<uint8_t>(a >> (24 - 8 * b));
    ClearHostBits(&p);
    out.push_back(p);
  }
  // Eight ISP blocks (2001:db8:X000::/36 style, as /32s in 2a0X:...): an
  // operator's IPv6 space is a handful of large blocks, densely delegated.
  static const int kV6Lengths[] = {48, 56, 56, 56, 64, 64};
  for (size_t i = 0; i < count_v6; i++) {
    Prefix p;
    p.family = 6;
    p.length = static_cast<uint8_t>(kV6Lengths[rng() % std::size(kV6Lengths)]);
    uint64_t r = rng();
    p.addr[0] = 0x2a;
    p.addr[1] = static_cast<uint8_t>(0x00 + (r & 7));  // block
    p.addr[2] = 0x0d;
    p.addr[3] = 0xb8;
    for (int b = 4; b < 8; b++) p.addr[b] = static_cast<uint8_t>(rng());
    ClearHostBits(&p);
    out.push_back(p);
  }
  return out;
}

Prefix AddressIn(const Prefix& p, uint64_t random) {
  Prefix a = p;
  for (int bit = p.length; bit < p.max_length(); bit++) {
    if ((random >> (bit % 64)) & 1) a.addr[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
  }
  a.length = static_cast<uint8_t>(a.max_length());
  return a;
}

std::string WritePolicyWithPools(const std::string& dir, const std::vector<Prefix>& prefixes) {
  std::filesystem::create_directories(dir);
  std::ofstream consumer(dir + "/consumer.txt"), business(dir + "/business.txt"),
      internal(dir + "/internal.txt");
  for (size_t i = 0; i < prefixes.size(); i++) {
    std::ofstream& f = i % 10 < 7 ? consumer : i % 10 < 9 ? business : internal;
    f << FormatPrefix(prefixes[i]) << '\n';
  }
  std::string path = dir + "/policy.yaml";
  std::ofstream(path) << "version: 1\n"
                         "subscribers:\n"
                         "  consumer: {file: consumer.txt}\n"
                         "  business: {file: business.txt}\n"
                         "internal: {file: internal.txt}\n"
                         "mail:\n"
                         "  mx_servers: [198.51.100.25]\n"
                         "  authorized_relays: [198.51.100.10]\n";
  return path;
}

}  // namespace spamwall::bench
