#include "tests/traffic/traffic_mix.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>

#include "dataplane/core/verdict_rules.h"
#include "tests/fixtures/frame_builder.h"

namespace spamwall::traffic {

namespace {

using fixtures::FrameSpec;
using fixtures::Ipv6Ext;
using fixtures::L3Kind;
using fixtures::L4Kind;
using fixtures::PppoeSpec;
using fixtures::VlanTag;
constexpr uint8_t kSyn = fixtures::kTcpSyn, kAck = fixtures::kTcpAck, kFin = fixtures::kTcpFin,
                  kPsh = fixtures::kTcpPsh;

// xoshiro256** seeded by splitmix64: the same sequence on every platform
// (std::uniform_*_distribution is not specified bit for bit).
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : s_) {
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  uint64_t Below(uint64_t n) {  // [0, n)
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  uint32_t Range(uint32_t lo, uint32_t hi) {  // [lo, hi]
    return lo + static_cast<uint32_t>(Below(uint64_t{hi} - lo + 1));
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[Below(v.size())]; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

struct KindInfo {
  const char* name;
  uint32_t weight;  // share of packets, per 10,000
  bool mail;        // every packet TCP on an smtp/submission port
  uint8_t reason;   // what the policy decides for its packets
};

// Mail-port kinds add up to 1,430 of 10,000: one packet in seven.
constexpr std::array<KindInfo, static_cast<size_t>(FlowKind::kCount)> kKinds = {{
    {"web", 4700, false, SW_REASON_NONE},
    {"quic", 1300, false, SW_REASON_NONE},
    {"dns", 700, false, SW_REASON_NONE},
    {"ssh", 200, false, SW_REASON_NONE},
    {"mailbox", 300, false, SW_REASON_NONE},
    {"vpn", 400, false, SW_REASON_NONE},
    {"other", 850, false, SW_REASON_NONE},
    {"submission", 400, true, SW_REASON_NONE},
    {"business_smtp", 250, true, SW_REASON_NONE},
    {"relay_smtp", 200, true, SW_REASON_NONE},
    {"inbound_mx", 220, true, SW_REASON_NONE},
    {"exempt_smtp", 40, true, SW_REASON_NONE},
    {"zombie_smtp", 250, true, SW_REASON_CONSUMER_SMTP},
    {"consumer_to_mx", 40, true, SW_REASON_MX_FENCE},
    {"quarantined_mail", 30, true, SW_REASON_QUARANTINE},
    {"fragment", 80, false, SW_REASON_NONE},
    {"malformed", 40, false, SW_REASON_MALFORMED},
}};

const KindInfo& Info(FlowKind kind) { return kKinds[static_cast<size_t>(kind)]; }

// A pool split by family.
struct Pool {
  std::vector<Prefix> v4, v6;
  explicit Pool(const std::vector<Prefix>& all = {}) {
    for (const Prefix& p : all) (p.family == 4 ? v4 : v6).push_back(p);
  }
  bool empty() const { return v4.empty() && v6.empty(); }
  bool has(int family) const { return family == 4 ? !v4.empty() : !v6.empty(); }
  // Whether both pools have addresses of one family (a flow needs that).
  bool Meets(const Pool& other) const {
    return (has(4) && other.has(4)) || (has(6) && other.has(6));
  }
  const std::vector<Prefix>& of(int family) const { return family == 4 ? v4 : v6; }
};

struct Addr {
  uint8_t family = 4;
  std::array<uint8_t, 16> b{};
};

// A uniformly random address inside p (not the all-zero or all-one host of
// an IPv4 subnet).
Addr RandomHost(const Prefix& p, Rng& rng) {
  Addr a;
  a.family = p.family;
  int bits = p.max_length();
  for (int attempt = 0; attempt < 4; attempt++) {
    a.b = p.addr;
    for (int i = p.length; i < bits; i++)
      if (rng.Next() & 1) a.b[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
    if (p.family == 6 || p.length >= 31 || (a.b[3] != 0 && a.b[3] != 255)) break;
  }
  return a;
}

bool Covered(const Pool& pool, const Addr& a) {
  const std::vector<Prefix>& list = pool.of(a.family);
  if (list.size() > 4096) return false;  // large lists: not worth the scan
  for (const Prefix& p : list)
    if (p.Contains(a.b.data(), a.family)) return true;
  return false;
}

// One planned packet of a flow. "up" is client -> server.
struct Step {
  bool up = true;
  uint8_t flags = 0;        // TCP flags
  uint16_t len = 0;         // random payload bytes, when text is empty
  std::string text;         // the payload, when given
  int16_t fragment = -1;    // fragment flows: byte offset into the datagram
  uint16_t fragment_len = 0;
  int8_t malformed = -1;    // malformed flows: the variant
};

struct Flow {
  bool ready = false;
  FlowKind kind = FlowKind::kOther;
  uint8_t proto = 6;  // 6, 17, 1 (ICMP, 58 on IPv6)
  Addr client, server;
  uint16_t client_port = 0, server_port = 0;
  uint32_t isn_c = 0, isn_s = 0, seq_c = 0, seq_s = 0;
  uint16_t ip_id_c = 0, ip_id_s = 0;
  uint8_t ttl_c = 64, ttl_s = 54;
  uint32_t label_c = 0, label_s = 0;
  std::vector<VlanTag> vlans;
  bool pppoe = false;
  uint16_t pppoe_session = 0;
  std::vector<Step> plan;
  size_t next = 0;
  std::vector<uint8_t> datagram;  // fragment flows: the UDP segment being cut
  uint32_t frag_id = 0;
};

const char* const kWords[] = {
    "the",     "offer",   "account", "meeting", "invoice", "attached", "please", "review",
    "today",   "free",    "limited", "report",  "project", "update",   "order",  "shipping",
    "thanks",  "regards", "team",    "schedule", "price",  "discount", "click",  "verify",
    "payment", "friday",  "agenda",  "draft",   "notes",   "delivery", "your",   "new"};

class Generator {
 public:
  explicit Generator(const TrafficMixOptions& o)
      : o_(o),
        rng_(o.seed),
        consumer_(o.pools.consumer),
        business_(o.pools.business),
        mx_(o.pools.mx_servers),
        relays_(o.pools.authorized_relays),
        quarantine_(o.pools.quarantine),
        exempt_(o.pools.exempt),
        external_(o.pools.external) {}

  std::vector<TrafficPacket> Run() {
    // Kinds whose pools exist, and the flows of each.
    std::array<uint32_t, kKinds.size()> weight{};
    uint64_t total = 0;
    for (size_t k = 0; k < kKinds.size(); k++) {
      weight[k] = Available(static_cast<FlowKind>(k)) ? kKinds[k].weight : 0;
      total += weight[k];
    }
    std::vector<TrafficPacket> out;
    if (total == 0) return out;
    std::array<std::vector<Flow>, kKinds.size()> flows;
    for (size_t k = 0; k < kKinds.size(); k++) {
      if (weight[k] == 0) continue;
      size_t n = static_cast<size_t>(std::llround(static_cast<double>(o_.flows) * weight[k] / total));
      flows[k].resize(std::max<size_t>(1, n));
    }
    out.reserve(o_.packets);
    for (size_t i = 0; i < o_.packets; i++) {
      uint64_t r = rng_.Below(total);
      size_t k = 0;
      while (r >= weight[k]) r -= weight[k++];
      std::vector<Flow>& of_kind = flows[k];
      // Skewed towards the first flows of a kind: a few heavy hitters.
      double u = rng_.Unit();
      Flow& f = of_kind[static_cast<size_t>(u * u * static_cast<double>(of_kind.size()))];
      if (!f.ready) Init(f, static_cast<FlowKind>(k));
      if (f.next >= f.plan.size()) {
        f.plan.clear();
        f.next = 0;
        StartSession(f);
      }
      out.push_back(Emit(f, f.plan[f.next++]));
    }
    return out;
  }

 private:
  bool Available(FlowKind kind) const {
    switch (kind) {
      case FlowKind::kBusinessSmtp: return business_.Meets(external_);
      case FlowKind::kRelaySmtp: return relays_.Meets(mx_) || relays_.Meets(external_);
      case FlowKind::kInboundMx: return external_.Meets(mx_);
      case FlowKind::kExemptSmtp: return exempt_.Meets(external_);
      case FlowKind::kZombieSmtp: return consumer_.Meets(external_);
      case FlowKind::kConsumerToMx: return consumer_.Meets(mx_);
      case FlowKind::kQuarantinedMail: return quarantine_.Meets(external_);
      default: return consumer_.Meets(external_) || business_.Meets(external_);
    }
  }

  // A family both pools have: IPv6 with probability ipv6_share.
  int Family(const Pool& a, const Pool& b) {
    bool v4 = a.has(4) && b.has(4), v6 = a.has(6) && b.has(6);
    if (v4 && v6) return rng_.Chance(o_.ipv6_share) ? 6 : 4;
    return v6 ? 6 : 4;
  }

  // A subscriber address that is not quarantined or exempt (their own kinds
  // cover those).
  Addr Subscriber(const Pool& pool, int family) {
    Addr a;
    for (int attempt = 0; attempt < 8; attempt++) {
      a = RandomHost(rng_.Pick(pool.of(family)), rng_);
      if (!Covered(quarantine_, a) && !Covered(exempt_, a)) break;
    }
    return a;
  }
  Addr Host(const Pool& pool, int family) { return RandomHost(rng_.Pick(pool.of(family)), rng_); }

  // Consumer with probability consumer_share, else business; only a pool
  // that can talk to `server`.
  const Pool& SubscriberPool(double consumer_share, const Pool& server) {
    if (!business_.Meets(server)) return consumer_;
    if (!consumer_.Meets(server)) return business_;
    return rng_.Chance(consumer_share) ? consumer_ : business_;
  }

  uint16_t Ephemeral() { return static_cast<uint16_t>(rng_.Range(32768, 60999)); }

  // Addresses, ports and encapsulation, drawn once per flow.
  void Init(Flow& f, FlowKind kind) {
    f.ready = true;
    f.kind = kind;
    f.proto = 6;
    const Pool* client = nullptr;
    const Pool* server = &external_;
    bool client_subscriber = true, server_subscriber = false, avoid = true;
    switch (kind) {
      case FlowKind::kWeb:
        f.server_port = rng_.Chance(0.85) ? 443 : 80;
        break;
      case FlowKind::kQuic:
        f.proto = 17;
        f.server_port = 443;
        break;
      case FlowKind::kDns:
      case FlowKind::kFragment:
        f.proto = 17;
        f.server_port = 53;
        break;
      case FlowKind::kSsh:
        f.server_port = 22;
        break;
      case FlowKind::kMailbox: {
        static constexpr uint16_t kPorts[] = {993, 993, 993, 143, 995, 110};
        f.server_port = kPorts[rng_.Below(6)];
        break;
      }
      case FlowKind::kVpn: {
        double r = rng_.Unit();
        f.proto = r < 0.9 ? 17 : 6;
        f.server_port = r < 0.45 ? 4500 : r < 0.6 ? 500 : 1194;
        break;
      }
      case FlowKind::kOther: {
        double r = rng_.Unit();
        if (r < 0.3) {
          f.proto = 17;
          f.server_port = 123;
        } else if (r < 0.55) {
          f.proto = 1;
        } else {
          f.proto = 17;
          f.server_port = static_cast<uint16_t>(rng_.Range(27000, 27050));
        }
        break;
      }
      case FlowKind::kSubmission:
        f.server_port = rng_.Chance(0.65) ? 587 : 465;
        client = &SubscriberPool(0.75, external_);
        if (client->Meets(relays_) && rng_.Chance(0.5)) server = &relays_;  // the ISP's own
        break;
      case FlowKind::kBusinessSmtp:
        f.server_port = 25;
        client = &business_;
        if (rng_.Chance(0.5)) {  // inbound to the business' own mail server
          std::swap(client, server);
          client_subscriber = false;
          server_subscriber = true;
        }
        break;
      case FlowKind::kRelaySmtp:
        f.server_port = 25;
        client = &relays_;
        client_subscriber = false;
        if (!relays_.Meets(external_) || (relays_.Meets(mx_) && rng_.Chance(0.5))) server = &mx_;
        break;
      case FlowKind::kInboundMx:
        f.server_port = 25;
        client = &external_;
        server = &mx_;
        client_subscriber = false;
        break;
      case FlowKind::kExemptSmtp:
        f.server_port = 25;
        client = &exempt_;
        avoid = false;
        break;
      case FlowKind::kZombieSmtp:
        f.server_port = 25;
        client = &consumer_;
        break;
      case FlowKind::kConsumerToMx:
        f.server_port = 25;
        client = &consumer_;
        server = &mx_;
        break;
      case FlowKind::kQuarantinedMail:
        f.server_port = rng_.Chance(0.6) ? 25 : 587;
        client = &quarantine_;
        avoid = false;
        break;
      case FlowKind::kMalformed:
      case FlowKind::kCount:
        break;
    }
    if (!client) client = &SubscriberPool(0.8, *server);
    int family = Family(*client, *server);
    f.client = avoid && client_subscriber ? Subscriber(*client, family) : Host(*client, family);
    f.server = server_subscriber ? Subscriber(*server, family) : Host(*server, family);
    if (f.proto == 1 && family == 6) f.proto = 58;
    f.ttl_c = rng_.Chance(0.7) ? 64 : 128;
    f.ttl_s = static_cast<uint8_t>(rng_.Range(44, 60));
    f.ip_id_c = static_cast<uint16_t>(rng_.Next());
    f.ip_id_s = static_cast<uint16_t>(rng_.Next());
    f.label_c = static_cast<uint32_t>(rng_.Below(1 << 20));
    f.label_s = static_cast<uint32_t>(rng_.Below(1 << 20));
    f.frag_id = static_cast<uint32_t>(rng_.Next());
    // Subscriber access: some lines are tagged, some residential lines PPPoE.
    if ((client_subscriber || server_subscriber) && kind != FlowKind::kMalformed) {
      bool residential = client == &consumer_ || server == &consumer_;
      double r = rng_.Unit();
      if (r < 0.04) {
        f.vlans = {VlanTag{0x8100, static_cast<uint16_t>(rng_.Range(2, 4094))}};
      } else if (r < 0.055) {
        f.vlans = {VlanTag{0x88a8, static_cast<uint16_t>(rng_.Range(2, 4094))},
                   VlanTag{0x8100, static_cast<uint16_t>(rng_.Range(2, 4094))}};
      } else if (r < 0.08 && residential) {
        f.pppoe = true;
        f.pppoe_session = static_cast<uint16_t>(rng_.Range(1, 0xfffe));
        if (rng_.Chance(0.3)) f.vlans = {VlanTag{0x8100, static_cast<uint16_t>(rng_.Range(2, 4094))}};
      }
    }
  }

  // --- Session plans ---

  uint16_t IpMtu(const Flow& f) const {
    return static_cast<uint16_t>(std::max(128, o_.mtu - (f.pppoe ? 8 : 0)));
  }
  size_t IpHeader(const Flow& f) const { return f.client.family == 4 ? 20 : 40; }
  size_t Mss(const Flow& f) const { return IpMtu(f) - IpHeader(f) - 20; }
  size_t MaxUdp(const Flow& f) const { return IpMtu(f) - IpHeader(f) - 8; }

  void Push(Flow& f, bool up, uint8_t flags, size_t len = 0) {
    Step s;
    s.up = up;
    s.flags = flags;
    s.len = static_cast<uint16_t>(len);
    f.plan.push_back(std::move(s));
  }

  void Handshake(Flow& f) {
    Push(f, true, kSyn);
    Push(f, false, kSyn | kAck);
    Push(f, true, kAck);
  }

  void Close(Flow& f) {
    bool up = rng_.Chance(0.6);
    Push(f, up, kFin | kAck);
    Push(f, !up, kFin | kAck);
    Push(f, up, kAck);
  }

  // `bytes` of random data (or `text`) in MSS segments; the receiver ACKs
  // every second segment and the end of a bulk transfer.
  void Send(Flow& f, bool up, size_t bytes, const std::string& text = {}) {
    if (!text.empty()) bytes = text.size();
    size_t mss = Mss(f), sent = 0, segments = 0;
    while (sent < bytes) {
      size_t n = std::min(mss, bytes - sent);
      Step s;
      s.up = up;
      s.flags = static_cast<uint8_t>(kAck | (sent + n == bytes ? kPsh : 0));
      if (text.empty()) s.len = static_cast<uint16_t>(n);
      else s.text = text.substr(sent, n);
      f.plan.push_back(std::move(s));
      sent += n;
      if (++segments % 2 == 0 && sent < bytes) Push(f, !up, kAck);
    }
    if (segments > 1) Push(f, !up, kAck);
  }

  void Datagram(Flow& f, bool up, size_t bytes) {
    Push(f, up, 0, std::min(bytes, MaxUdp(f)));
  }

  void Datagram(Flow& f, bool up, std::string bytes) {
    Step s;
    s.up = up;
    s.text = std::move(bytes);
    f.plan.push_back(std::move(s));
  }

  // A DNS query for `name`, or its answer padded with A/AAAA records to
  // about `size` bytes (EDNS lets answers grow past 512).
  std::string Dns(bool response, uint16_t id, const std::string& name, bool aaaa, size_t size) {
    std::string m;
    auto put16 = [&m](unsigned v) {
      m.push_back(static_cast<char>(v >> 8));
      m.push_back(static_cast<char>(v));
    };
    put16(id);
    put16(response ? 0x8180 : 0x0100);
    put16(1);  // question
    put16(0);  // answers, set below
    put16(0);
    put16(1);  // additional: the EDNS OPT record
    size_t start = 0;
    while (start <= name.size()) {
      size_t dot = name.find('.', start);
      if (dot == std::string::npos) dot = name.size();
      m.push_back(static_cast<char>(dot - start));
      m += name.substr(start, dot - start);
      start = dot + 1;
    }
    m.push_back(0);
    put16(aaaa ? 28 : 1);
    put16(1);
    unsigned answers = 0;
    while (response && (answers == 0 || m.size() + 11 < size)) {
      put16(0xc00c);  // the name in the question
      put16(aaaa ? 28 : 1);
      put16(1);
      put16(0);
      put16(rng_.Range(60, 3600));
      put16(aaaa ? 16 : 4);
      for (int i = 0; i < (aaaa ? 16 : 4); i++) m.push_back(static_cast<char>(rng_.Next()));
      answers++;
    }
    m[6] = static_cast<char>(answers >> 8);
    m[7] = static_cast<char>(answers);
    m += std::string("\0\0\x29\x04\xd0\0\0\0\0\0\0", 11);  // OPT, 1232-byte UDP payload
    return m;
  }

  std::string Ntp(bool server) {
    std::string m(48, '\0');
    m[0] = server ? 0x24 : 0x23;  // NTPv4, client or server mode
    if (server) m[1] = 2;         // stratum
    for (size_t i = 16; i < 48; i++) m[i] = static_cast<char>(rng_.Next());
    return m;
  }

  // Pareto-distributed transfer sizes: most small, a few large.
  size_t Heavy(double min, double alpha, double cap) {
    double u = std::max(rng_.Unit(), 1e-9);
    return static_cast<size_t>(std::min(cap, min / std::pow(u, 1.0 / alpha)));
  }

  std::string Name(const char* prefix) {
    return std::string(prefix) + std::to_string(rng_.Range(1, 9999)) + ".example." +
           (rng_.Chance(0.5) ? "com" : "net");
  }

  std::string Message(bool spam) {
    std::string id = std::to_string(rng_.Next() % 100000000000ull);
    std::string m = "Message-ID: <" + id + "@" + Name("host") + ">\r\n";
    m += "From: <user" + std::to_string(rng_.Range(1, 99999)) + "@" + Name("mail") + ">\r\n";
    m += "To: <user" + std::to_string(rng_.Range(1, 99999)) + "@" + Name("mail") + ">\r\n";
    m += std::string("Subject: ") + (spam ? "LIMITED OFFER just for you" : "meeting notes") + "\r\n";
    m += "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n";
    m += std::string("X-Mailer: ") + (spam ? "Mailer 1.0" : "Thunderbird 115.6") + "\r\n";
    m += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
    size_t size = Heavy(600, 1.1, 60000);
    size_t line = 0;
    while (m.size() < size) {
      const char* w = kWords[rng_.Below(std::size(kWords))];
      m += w;
      line += std::strlen(w) + 1;
      if (line > 64) {
        m += "\r\n";
        line = 0;
      } else {
        m += ' ';
      }
    }
    return m + "\r\n.\r\n";
  }

  void Tls(Flow& f) {
    Send(f, true, rng_.Range(517, 620));     // ClientHello
    Send(f, false, rng_.Range(2800, 5200));  // ServerHello, certificates
    Send(f, true, rng_.Range(64, 126));      // Finished
  }

  void Smtp(Flow& f, bool starttls) {
    Handshake(f);
    std::string server = Name("mx");
    Send(f, false, 0, "220 " + server + " ESMTP\r\n");
    Send(f, true, 0, "EHLO " + Name("client") + "\r\n");
    Send(f, false, 0,
         "250-" + server + "\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n" +
             (starttls ? "250-STARTTLS\r\n" : "") + "250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n");
    if (starttls) {
      Send(f, true, 0, "STARTTLS\r\n");
      Send(f, false, 0, "220 2.0.0 Ready to start TLS\r\n");
      Tls(f);
      Send(f, true, Heavy(1500, 1.1, 60000));
      Send(f, false, rng_.Range(60, 120));
      Close(f);
      return;
    }
    Send(f, true, 0, "MAIL FROM:<user" + std::to_string(rng_.Range(1, 9999)) + "@" + Name("mail") + ">\r\n");
    Send(f, false, 0, "250 2.1.0 Ok\r\n");
    for (uint32_t n = rng_.Range(1, 3); n > 0; n--) {
      Send(f, true, 0, "RCPT TO:<user" + std::to_string(rng_.Range(1, 9999)) + "@" + Name("mail") + ">\r\n");
      Send(f, false, 0, "250 2.1.5 Ok\r\n");
    }
    Send(f, true, 0, "DATA\r\n");
    Send(f, false, 0, "354 End data with <CR><LF>.<CR><LF>\r\n");
    Send(f, true, 0, Message(false));
    Send(f, false, 0, "250 2.0.0 Ok: queued as " + std::to_string(rng_.Range(100000, 999999)) + "\r\n");
    Send(f, true, 0, "QUIT\r\n");
    Send(f, false, 0, "221 2.0.0 Bye\r\n");
    Close(f);
  }

  // A SYN and its retransmissions, never answered.
  void UnansweredSyn(Flow& f) {
    for (uint32_t n = rng_.Range(1, 3); n > 0; n--) Push(f, true, kSyn);
  }

  void StartSession(Flow& f) {
    f.client_port = Ephemeral();
    f.isn_c = static_cast<uint32_t>(rng_.Next());
    f.isn_s = static_cast<uint32_t>(rng_.Next());
    f.seq_c = f.isn_c + 1;
    f.seq_s = f.isn_s + 1;
    switch (f.kind) {
      case FlowKind::kWeb:
        Handshake(f);
        if (f.server_port == 443) Tls(f);
        for (uint32_t n = rng_.Range(1, 4); n > 0; n--) {
          if (f.server_port == 80)
            Send(f, true, 0, "GET /" + std::string(kWords[rng_.Below(std::size(kWords))]) +
                                 "/" + std::to_string(rng_.Range(1, 99999)) +
                                 " HTTP/1.1\r\nHost: www." + Name("site") +
                                 "\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\n\r\n");
          else
            Send(f, true, rng_.Range(250, 800));
          Send(f, false, Heavy(1200, 1.1, 400000));
        }
        Close(f);
        break;
      case FlowKind::kQuic:
        Datagram(f, true, rng_.Range(1200, 1252));
        Datagram(f, false, rng_.Range(1200, 1252));
        Datagram(f, false, rng_.Range(900, 1252));
        Datagram(f, true, rng_.Range(40, 90));
        for (size_t left = Heavy(2000, 1.1, 300000), n = 0; left > 0; n++) {
          size_t chunk = std::min<size_t>(left, rng_.Range(1150, 1252));
          Datagram(f, false, chunk);
          left -= chunk;
          if (n % 3 == 2) Datagram(f, true, rng_.Range(30, 60));
        }
        break;
      case FlowKind::kDns: {
        uint16_t id = static_cast<uint16_t>(rng_.Next());
        std::string name = Name("www.");
        bool aaaa = rng_.Chance(0.4);
        Datagram(f, true, Dns(false, id, name, aaaa, 0));
        Datagram(f, false, Dns(true, id, name, aaaa, rng_.Range(60, 480)));
        break;
      }
      case FlowKind::kSsh:
        Handshake(f);
        Send(f, false, 0, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n");
        Send(f, true, 0, "SSH-2.0-OpenSSH_9.6\r\n");
        Send(f, true, rng_.Range(1400, 1600));
        Send(f, false, rng_.Range(1000, 1200));
        for (uint32_t n = rng_.Range(5, 40); n > 0; n--) {
          Send(f, true, rng_.Range(36, 100));
          Send(f, false, rng_.Chance(0.05) ? Heavy(5000, 1.0, 200000) : rng_.Range(36, 200));
        }
        Close(f);
        break;
      case FlowKind::kMailbox:
        Handshake(f);
        if (f.server_port == 993 || f.server_port == 995) Tls(f);
        else if (f.server_port == 143) Send(f, false, 0, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n");
        else Send(f, false, 0, "+OK POP3 server ready\r\n");
        for (uint32_t n = rng_.Range(2, 10); n > 0; n--) {
          Send(f, true, rng_.Range(20, 80));
          Send(f, false, rng_.Chance(0.2) ? Heavy(3000, 1.1, 100000) : rng_.Range(50, 1400));
        }
        Close(f);
        break;
      case FlowKind::kVpn:
        if (f.server_port == 500 || f.server_port == 4500) f.client_port = f.server_port;
        if (f.proto == 6) {
          Handshake(f);
          for (uint32_t n = rng_.Range(10, 60); n > 0; n--) Send(f, rng_.Chance(0.4), rng_.Range(100, 1400));
          Close(f);
        } else {
          for (uint32_t n = rng_.Range(10, 60); n > 0; n--)
            Datagram(f, rng_.Chance(0.4), f.server_port == 500 ? rng_.Range(250, 700) : rng_.Range(80, 1400));
        }
        break;
      case FlowKind::kOther:
        if (f.server_port == 123) {
          f.client_port = 123;
          Datagram(f, true, Ntp(false));
          Datagram(f, false, Ntp(true));
        } else if (f.proto == 1 || f.proto == 58) {
          for (uint32_t n = rng_.Range(1, 5); n > 0; n--) {
            Push(f, true, 0, 56);
            Push(f, false, 0, 56);
          }
        } else {
          for (uint32_t n = rng_.Range(10, 50); n > 0; n--) Datagram(f, rng_.Chance(0.5), rng_.Range(40, 300));
        }
        break;
      case FlowKind::kSubmission:
        if (f.server_port == 587) {
          Smtp(f, true);
        } else {
          Handshake(f);
          Tls(f);
          Send(f, true, Heavy(1500, 1.1, 60000));
          Send(f, false, rng_.Range(60, 120));
          Close(f);
        }
        break;
      case FlowKind::kBusinessSmtp:
      case FlowKind::kInboundMx:
        Smtp(f, rng_.Chance(0.6));
        break;
      case FlowKind::kRelaySmtp:
        Smtp(f, rng_.Chance(0.3));
        break;
      case FlowKind::kExemptSmtp:
        Smtp(f, rng_.Chance(0.5));
        break;
      case FlowKind::kZombieSmtp:
        // A bot sprays many remote MX: a new destination per connection.
        f.server = Host(external_, f.client.family);
        UnansweredSyn(f);
        break;
      case FlowKind::kConsumerToMx:
        f.server = Host(mx_, f.client.family);
        UnansweredSyn(f);
        break;
      case FlowKind::kQuarantinedMail:
        UnansweredSyn(f);
        break;
      case FlowKind::kFragment:
        PlanFragments(f);
        break;
      case FlowKind::kMalformed: {
        Step s;
        s.malformed = static_cast<int8_t>(rng_.Below(7));
        f.plan.push_back(s);
        break;
      }
      case FlowKind::kCount:
        break;
    }
  }

  // A large DNS answer (EDNS over UDP) cut into fragments of the MTU.
  void PlanFragments(Flow& f) {
    size_t payload = rng_.Range(1800, 4000);
    FrameSpec whole;
    Address(f, false, &whole);
    whole.l4 = L4Kind::kUdp;
    whole.udp = {f.server_port, f.client_port};
    std::string answer = Dns(true, static_cast<uint16_t>(rng_.Next()), Name("txt."), true, payload);
    payload = answer.size();
    whole.payload.assign(answer.begin(), answer.end());
    std::vector<uint8_t> frame = fixtures::BuildFrame(whole);
    f.datagram.assign(frame.end() - static_cast<long>(payload + 8), frame.end());
    f.frag_id++;
    size_t per = (IpMtu(f) - IpHeader(f) - (f.client.family == 6 ? 8 : 0)) / 8 * 8;
    for (size_t off = 0; off < f.datagram.size(); off += per) {
      Step s;
      s.up = false;
      s.fragment = static_cast<int16_t>(off);
      s.fragment_len = static_cast<uint16_t>(std::min(per, f.datagram.size() - off));
      f.plan.push_back(s);
    }
  }

  // --- Frames ---

  std::vector<uint8_t> RandomBytes(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; i += 8) {
      uint64_t x = rng_.Next();
      for (size_t j = i; j < std::min(n, i + 8); j++, x >>= 8) v[j] = static_cast<uint8_t>(x);
    }
    return v;
  }

  void Address(Flow& f, bool up, FrameSpec* spec) {
    const Addr& src = up ? f.client : f.server;
    const Addr& dst = up ? f.server : f.client;
    if (src.family == 4) {
      spec->l3 = L3Kind::kIpv4;
      std::copy_n(src.b.begin(), 4, spec->ipv4.src.begin());
      std::copy_n(dst.b.begin(), 4, spec->ipv4.dst.begin());
      spec->ipv4.ttl = up ? f.ttl_c : f.ttl_s;
      spec->ipv4.id = up ? f.ip_id_c++ : f.ip_id_s++;
      spec->ipv4.df = f.proto == 6;
    } else {
      spec->l3 = L3Kind::kIpv6;
      spec->ipv6.src = src.b;
      spec->ipv6.dst = dst.b;
      spec->ipv6.hop_limit = up ? f.ttl_c : f.ttl_s;
      spec->ipv6.flow_label = up ? f.label_c : f.label_s;
    }
    spec->vlans = f.vlans;
    if (f.pppoe) spec->pppoe = PppoeSpec{f.pppoe_session, std::nullopt};
    spec->min_frame = 60;
  }

  TrafficPacket Emit(Flow& f, const Step& s) {
    FrameSpec spec;
    Address(f, s.up, &spec);
    uint16_t sport = s.up ? f.client_port : f.server_port;
    uint16_t dport = s.up ? f.server_port : f.client_port;
    if (s.malformed >= 0) {
      Malformed(s.malformed, &spec);
    } else if (s.fragment >= 0) {
      spec.l4 = L4Kind::kNone;
      spec.protocol = 17;
      spec.payload.assign(f.datagram.begin() + s.fragment,
                          f.datagram.begin() + s.fragment + s.fragment_len);
      bool more = static_cast<size_t>(s.fragment + s.fragment_len) < f.datagram.size();
      if (spec.l3 == L3Kind::kIpv4) {
        spec.ipv4.frag_offset = static_cast<uint16_t>(s.fragment / 8);
        spec.ipv4.mf = more;
        spec.ipv4.id = static_cast<uint16_t>(f.frag_id);
      } else {
        spec.ipv6.ext = {Ipv6Ext{.type = fixtures::kExtFragment,
                                 .frag_offset = static_cast<uint16_t>(s.fragment / 8),
                                 .more_fragments = more,
                                 .frag_id = f.frag_id}};
      }
    } else if (f.proto == 6) {
      spec.l4 = L4Kind::kTcp;
      spec.tcp.sport = sport;
      spec.tcp.dport = dport;
      spec.tcp.flags = s.flags;
      spec.tcp.window = s.up ? 64240 : 65160;
      uint32_t& mine = s.up ? f.seq_c : f.seq_s;
      uint32_t theirs = s.up ? f.seq_s : f.seq_c;
      if (s.flags & kSyn) {
        spec.tcp.seq = s.up ? f.isn_c : f.isn_s;
        spec.tcp.options = {0x02, 0x04, static_cast<uint8_t>(Mss(f) >> 8),
                            static_cast<uint8_t>(Mss(f)), 0x01, 0x03, 0x03, 0x07, 0x04, 0x02};
      } else {
        spec.tcp.seq = mine;
      }
      spec.tcp.ack = (s.flags & kAck) ? theirs : 0;
      size_t len = s.text.empty() ? s.len : s.text.size();
      if (!(s.flags & kSyn)) mine += static_cast<uint32_t>(len + ((s.flags & kFin) ? 1 : 0));
    } else if (f.proto == 17) {
      spec.l4 = L4Kind::kUdp;
      spec.udp = {sport, dport};
    } else {
      spec.l4 = L4Kind::kIcmp;
      bool v6 = f.proto == 58;
      spec.icmp.type = s.up ? (v6 ? 128 : 8) : (v6 ? 129 : 0);
      spec.icmp.id = f.client_port;
      spec.icmp.seq = static_cast<uint16_t>(f.next);
    }
    if (s.malformed < 0 && s.fragment < 0) {
      if (!s.text.empty()) spec.payload.assign(s.text.begin(), s.text.end());
      else spec.payload = RandomBytes(s.len);
    }
    TrafficPacket p;
    p.frame = fixtures::BuildFrame(spec);
    if (o_.max_frame && p.frame.size() > o_.max_frame && !spec.payload.empty()) {
      // A rate mix: the payload cut (sequence numbers keep the whole
      // length), the headers and so the verdict unchanged.
      spec.payload.resize(spec.payload.size() - std::min(spec.payload.size(),
                                                         p.frame.size() - o_.max_frame));
      p.frame = fixtures::BuildFrame(spec);
    }
    p.kind = f.kind;
    p.expect_reason = Info(f.kind).reason;
    return p;
  }

  // Broken IP headers the dataplane must drop as malformed.
  void Malformed(int variant, FrameSpec* spec) {
    spec->l4 = L4Kind::kTcp;
    spec->tcp.sport = Ephemeral();
    spec->tcp.dport = 443;
    bool v4 = spec->l3 == L3Kind::kIpv4;
    switch (variant) {
      case 0:  // IHL below 5
        if (v4) spec->ipv4.ihl = static_cast<uint8_t>(rng_.Range(0, 4));
        else spec->ipv6.version = 4;
        break;
      case 1:  // IP length beyond the frame
        if (v4) spec->ipv4.total_length = static_cast<uint16_t>(rng_.Range(100, 1500));
        else spec->ipv6.payload_length = static_cast<uint16_t>(rng_.Range(100, 1500));
        break;
      case 2:  // the frame ends inside the IP header
        spec->truncate_to = 14 + rng_.Range(1, v4 ? 19 : 39);
        spec->min_frame = 0;
        break;
      case 3:  // 2 TCP bytes, then link padding
        spec->transport_bytes = 2;
        break;
      case 4:  // version nibble disagrees with the ethertype
        if (v4) spec->ipv4.version = 6;
        else spec->ipv6.version = 4;
        break;
      case 5:  // IPv6: extension chain past the packet; IPv4: total length < IHL
        if (v4) spec->ipv4.total_length = static_cast<uint16_t>(rng_.Range(0, 19));
        else spec->ipv6.ext = {Ipv6Ext{.type = fixtures::kExtHopByHop, .length_field = 200}};
        break;
      default:  // a first fragment too short for the ports
        if (v4) spec->ipv4.mf = true;
        else spec->ipv6.ext = {Ipv6Ext{.type = fixtures::kExtFragment, .more_fragments = true}};
        spec->transport_bytes = 3;
        break;
    }
  }

  const TrafficMixOptions& o_;
  Rng rng_;
  Pool consumer_, business_, mx_, relays_, quarantine_, exempt_, external_;
};

Prefix MustParse(const char* text) {
  Prefix p;
  std::string error;
  ParsePrefix(text, &p, &error);
  return p;
}

std::vector<Prefix> Prefixes(const std::vector<PrefixEntry>& entries) {
  std::vector<Prefix> out;
  out.reserve(entries.size());
  for (const PrefixEntry& e : entries) out.push_back(e.prefix);
  return out;
}

}  // namespace

const char* FlowKindName(FlowKind kind) {
  return kind < FlowKind::kCount ? Info(kind).name : "unknown";
}

bool IsMailPortKind(FlowKind kind) { return kind < FlowKind::kCount && Info(kind).mail; }

std::vector<Prefix> DocumentationExternals() {
  return {MustParse("192.0.2.0/24"), MustParse("233.252.0.0/24"), MustParse("3fff::/20")};
}

AddressPools ExamplePools() {
  AddressPools p;
  p.consumer = {MustParse("100.64.0.0/10"), MustParse("2001:db8:1000::/36")};
  p.business = {MustParse("203.0.113.0/24"), MustParse("2001:db8:2000::/40")};
  p.mx_servers = {MustParse("198.51.100.25"), MustParse("198.51.100.26")};
  p.authorized_relays = {MustParse("198.51.100.10"), MustParse("198.51.100.11")};
  p.quarantine = {MustParse("100.64.99.7/32")};
  p.exempt = {MustParse("100.64.12.34/32")};
  p.external = DocumentationExternals();
  return p;
}

AddressPools PoolsFromPolicy(const Policy& policy, Day today, std::vector<Prefix> external) {
  AddressPools p;
  p.consumer = Prefixes(policy.consumer);
  p.business = Prefixes(policy.business);
  p.mx_servers = Prefixes(policy.mx_servers);
  p.authorized_relays = Prefixes(policy.authorized_relays);
  p.quarantine = Prefixes(policy.quarantine);
  for (const Exemption& e : policy.exemptions)
    if (e.expires >= today) p.exempt.push_back(e.prefix);
  p.external = std::move(external);
  return p;
}

std::vector<TrafficPacket> GenerateLabeledTrafficMix(const TrafficMixOptions& options) {
  return Generator(options).Run();
}

std::vector<std::vector<uint8_t>> GenerateTrafficMix(const TrafficMixOptions& options) {
  std::vector<TrafficPacket> labeled = GenerateLabeledTrafficMix(options);
  std::vector<std::vector<uint8_t>> frames;
  frames.reserve(labeled.size());
  for (TrafficPacket& p : labeled) frames.push_back(std::move(p.frame));
  return frames;
}

}  // namespace spamwall::traffic
