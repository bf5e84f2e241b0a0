#include "control/policy/policy_snapshot.h"

#include <cstring>
#include <type_traits>

namespace spamwall {

namespace {

constexpr char kMagic[8] = {'S', 'W', 'P', 'O', 'L', 'M', 'D', '1'};
static_assert(std::is_trivially_copyable_v<PrefixEntry>);
static_assert(std::is_trivially_copyable_v<PortEntry>);
static_assert(sizeof(ThresholdMetric) == 1 && sizeof(ThresholdWindow) == 1 && sizeof(ThresholdAction) == 1);

class Writer {
 public:
  void Raw(const void* p, size_t n) {
    if (n) out_.append(static_cast<const char*>(p), n);  // an empty vector's data() may be null
  }
  template <typename T>
  void Pod(const T& v) { Raw(&v, sizeof v); }
  void Str(const std::string& s) {
    Pod<uint64_t>(s.size());
    Raw(s.data(), s.size());
  }
  template <typename T>
  void Vec(const std::vector<T>& v) {  // trivially copyable T: one block
    Pod<uint64_t>(v.size());
    Raw(v.data(), v.size() * sizeof(T));
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(const std::string& b) : b_(b) {}
  bool Raw(void* p, size_t n) {
    if (n > b_.size() - at_) return false;
    if (n) std::memcpy(p, b_.data() + at_, n);
    at_ += n;
    return true;
  }
  template <typename T>
  bool Pod(T* v) { return Raw(v, sizeof *v); }
  bool Str(std::string* s) {
    uint64_t n;
    if (!Pod(&n) || n > b_.size() - at_) return false;
    s->assign(b_.data() + at_, n);
    at_ += n;
    return true;
  }
  template <typename T>
  bool Vec(std::vector<T>* v) {
    uint64_t n;
    if (!Pod(&n) || n > (b_.size() - at_) / sizeof(T)) return false;
    v->resize(n);
    return Raw(v->data(), n * sizeof(T));
  }
  bool done() const { return at_ == b_.size(); }
  size_t left() const { return b_.size() - at_; }

 private:
  const std::string& b_;
  size_t at_ = 0;
};

// An enum byte that is one of the `values` this build knows.
template <size_t values, typename Enum>
bool EnumPod(Reader& r, Enum* e) {
  return r.Pod(e) && static_cast<size_t>(*e) < values;
}

bool ReadThresholds(Reader& r, std::vector<Threshold>* out) {
  uint64_t n;
  if (!r.Pod(&n) || n > r.left()) return false;
  for (uint64_t i = 0; i < n; i++) {
    Threshold t;
    if (!r.Str(&t.name) || !EnumPod<kThresholdMetricNames.size()>(r, &t.metric) ||
        !EnumPod<kThresholdWindowNames.size()>(r, &t.window) || !r.Pod(&t.limit) ||
        !EnumPod<kThresholdActionNames.size()>(r, &t.action) || !r.Pod(&t.loc))
      return false;
    out->push_back(std::move(t));
  }
  return true;
}

}  // namespace

std::string SerializePolicy(const Policy& p) {
  Writer w;
  w.Raw(kMagic, sizeof kMagic);
  w.Pod<int32_t>(p.version);
  w.Pod<uint8_t>(static_cast<uint8_t>(p.mode));
  for (const auto* list : {&p.consumer, &p.business, &p.internal, &p.mx_servers,
                           &p.authorized_relays, &p.quarantine})
    w.Vec(*list);
  for (const auto* list : {&p.smtp_ports, &p.submission_ports, &p.never_block_tcp, &p.never_block_udp})
    w.Vec(*list);
  w.Pod<uint64_t>(p.exemptions.size());
  for (const auto& e : p.exemptions) {
    w.Pod(e.prefix);
    w.Str(e.owner);
    w.Str(e.reason);
    w.Pod(e.expires);
    w.Str(e.expires_text);
    w.Pod(e.loc);
  }
  w.Pod(p.smtp_flow_rate);
  for (const auto* list : {&p.signatures, &p.files}) {
    w.Pod<uint64_t>(list->size());
    for (const auto& s : *list) w.Str(s);
  }
  // Fields added later go at the end, so that models saved before them
  // (in the generations of a state directory) still read.
  w.Vec(p.sampling_watch);
  w.Pod<uint64_t>(p.thresholds.size());
  for (const auto& t : p.thresholds) {
    w.Str(t.name);
    w.Pod(t.metric);
    w.Pod(t.window);
    w.Pod(t.limit);
    w.Pod(t.action);
    w.Pod(t.loc);
  }
  w.Pod<uint64_t>(p.signature_files.size());  // the signature files' texts (issue 11)
  for (const auto& f : p.signature_files) {
    w.Str(f.path);
    w.Str(f.text);
  }
  return w.Take();
}

std::optional<Policy> DeserializePolicy(const std::string& bytes, std::string* error) {
  Reader r(bytes);
  Policy p;
  char magic[8];
  int32_t version = 0;
  uint8_t mode = 0;
  bool ok = r.Raw(magic, sizeof magic) && std::memcmp(magic, kMagic, sizeof magic) == 0 &&
            r.Pod(&version) && r.Pod(&mode) && mode <= static_cast<uint8_t>(PolicyMode::kMonitor);
  p.version = version;
  p.mode = static_cast<PolicyMode>(mode);
  for (auto* list : {&p.consumer, &p.business, &p.internal, &p.mx_servers, &p.authorized_relays,
                     &p.quarantine})
    ok = ok && r.Vec(list);
  for (auto* list : {&p.smtp_ports, &p.submission_ports, &p.never_block_tcp, &p.never_block_udp})
    ok = ok && r.Vec(list);
  uint64_t n = 0;
  ok = ok && r.Pod(&n) && n <= bytes.size();
  for (uint64_t i = 0; ok && i < n; i++) {
    Exemption e;
    ok = r.Pod(&e.prefix) && r.Str(&e.owner) && r.Str(&e.reason) && r.Pod(&e.expires) &&
         r.Str(&e.expires_text) && r.Pod(&e.loc);
    if (ok) p.exemptions.push_back(std::move(e));
  }
  ok = ok && r.Pod(&p.smtp_flow_rate);
  for (auto* list : {&p.signatures, &p.files}) {
    ok = ok && r.Pod(&n) && n <= bytes.size();
    for (uint64_t i = 0; ok && i < n; i++) {
      std::string s;
      ok = r.Str(&s);
      list->push_back(std::move(s));
    }
  }
  if (ok && !r.done()) ok = r.Vec(&p.sampling_watch);
  if (ok && !r.done()) ok = ReadThresholds(r, &p.thresholds);
  if (ok && !r.done()) {  // the signature files' texts
    ok = r.Pod(&n) && n <= bytes.size();
    for (uint64_t i = 0; ok && i < n; i++) {
      Policy::SignatureFile f;
      ok = r.Str(&f.path) && r.Str(&f.text);
      p.signature_files.push_back(std::move(f));
    }
  }
  if (!ok || !r.done()) {
    *error = "policy model: not a snapshot of this spamwall's format (truncated or foreign)";
    return std::nullopt;
  }
  return p;
}

}  // namespace spamwall
