#include "dataplane/signatures/serialize.h"

#include <hs/hs.h>

#include <cstdlib>
#include <cstring>

#include "dataplane/core/crc32c.h"

namespace spamwall::signatures {
namespace {

constexpr size_t kHeaderBytes = 16;  // magic, version, crc

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) { Raw(&v, 4); }
  void U64(uint64_t v) { Raw(&v, 8); }
  void F64(double v) { Raw(&v, 8); }
  void Bytes(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void Blob(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  std::string& out() { return out_; }

 private:
  void Raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U8(uint8_t& v) { return Raw(&v, 1); }
  bool U32(uint32_t& v) { return Raw(&v, 4); }
  bool U64(uint64_t& v) { return Raw(&v, 8); }
  bool F64(double& v) { return Raw(&v, 8); }
  bool Bytes(std::string& s) {
    uint32_t n = 0;
    if (!U32(n) || n > in_.size() - pos_) return false;
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool Blob(std::string_view& s) {
    uint64_t n = 0;
    if (!U64(n) || n > in_.size() - pos_) return false;
    s = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  size_t pos() const { return pos_; }
  bool done() const { return pos_ == in_.size(); }

 private:
  bool Raw(void* p, size_t n) {
    if (n > in_.size() - pos_) return false;
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  std::string_view in_;
  size_t pos_ = 0;
};

bool SerializeHs(const hs_database_t* db, Writer& w, std::string& error) {
  if (db == nullptr) {
    w.Blob({});
    return true;
  }
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) {
    error = "hs_serialize_database failed";
    return false;
  }
  w.Blob(std::string_view(bytes, length));
  std::free(bytes);
  return true;
}

}  // namespace

hs_database_t* DeserializeHyperscan(std::string_view blob, const char* which,
                                    std::string& error) {
  char* info = nullptr;
  if (hs_serialized_database_info(blob.data(), blob.size(), &info) != HS_SUCCESS) {
    error = std::string(which) + " database: not a Hyperscan database (or truncated)";
    return nullptr;
  }
  std::string platform = info;
  std::free(info);
  hs_database_t* db = nullptr;
  hs_error_t rc = hs_deserialize_database(blob.data(), blob.size(), &db);
  if (rc == HS_SUCCESS) return db;
  if (rc == HS_DB_PLATFORM_ERROR) {
    error = std::string(which) + " database was built for another CPU (" + platform + ")";
  } else if (rc == HS_DB_VERSION_ERROR) {
    error = std::string(which) + " database is from another Hyperscan version (" + platform + ")";
  } else {
    error = std::string(which) + " database refused by Hyperscan (error " + std::to_string(rc) +
            ", " + platform + ")";
  }
  return nullptr;
}

std::string SerializeDatabase(const Database& db, std::string& error) {
  Writer w;
  const CompileOptions& o = db.options();
  w.U32(o.limits.match_limit);
  w.U32(o.limits.depth_limit);
  w.U32(o.limits.jit_stack_bytes);
  w.U32(o.max_message_bytes);
  w.U32(static_cast<uint32_t>(db.signatures().size()));
  for (size_t i = 0; i < db.signatures().size(); ++i) {
    const Signature& s = db.signatures()[i];
    w.U8(static_cast<uint8_t>(s.cls));
    w.U8(static_cast<uint8_t>(s.scope));
    w.U8(static_cast<uint8_t>(s.kind));
    w.U8((s.flags.caseless ? 1 : 0) | (s.flags.multiline ? 2 : 0) | (s.flags.dotall ? 4 : 0));
    w.U8(static_cast<uint8_t>(db.plan(static_cast<uint32_t>(i))));
    w.F64(s.score);
    w.Bytes(s.id);
    w.Bytes(s.pattern);
    w.Bytes(s.origin);
  }
  w.U32(static_cast<uint32_t>(db.gates().size()));
  for (const GateFactor& g : db.gates()) {
    w.U32(g.sig);
    w.U32(g.bit);
    w.U8(g.window ? 1 : 0);
    w.U32(g.window_back);
    w.U32(g.window_front);
    w.U32(g.window_runs);
    w.U32(static_cast<uint32_t>(g.run_classes.size()));
    for (const std::string& c : g.run_classes) w.Bytes(c);
  }
  if (!SerializeHs(db.raw_db(), w, error) || !SerializeHs(db.body_db(), w, error)) return {};
  std::string out(kSectionMagic);
  uint32_t version = kSectionVersion;
  uint32_t crc = Crc32c(w.out().data(), w.out().size());
  out.append(reinterpret_cast<const char*>(&version), 4);
  out.append(reinterpret_cast<const char*>(&crc), 4);
  out += w.out();
  return out;
}

std::unique_ptr<Database> DeserializeDatabase(std::string_view bytes, std::string& error) {
  if (hs_valid_platform() != HS_SUCCESS) {
    error = "this CPU cannot run Hyperscan (it needs SSSE3)";
    return nullptr;
  }
  if (bytes.size() < kHeaderBytes || bytes.substr(0, 8) != kSectionMagic) {
    error = bytes.size() < kHeaderBytes ? "signature database truncated: " +
                                              std::to_string(bytes.size()) + " bytes, no header"
                                        : "not a signature database (no SWSIGDB1 magic)";
    return nullptr;
  }
  uint32_t version = 0, crc = 0;
  std::memcpy(&version, bytes.data() + 8, 4);
  std::memcpy(&crc, bytes.data() + 12, 4);
  if (version != kSectionVersion) {
    error = "signature database version " + std::to_string(version) + ", this build reads " +
            std::to_string(kSectionVersion);
    return nullptr;
  }
  std::string_view body = bytes.substr(kHeaderBytes);
  Reader r(body);
  CompileOptions o;
  uint32_t count = 0;
  auto truncated = [&](const char* what) {
    error = std::string("signature database truncated or corrupt: ") + what + " at byte " +
            std::to_string(kHeaderBytes + r.pos()) + " of " + std::to_string(bytes.size());
    return nullptr;
  };
  if (!r.U32(o.limits.match_limit) || !r.U32(o.limits.depth_limit) ||
      !r.U32(o.limits.jit_stack_bytes) || !r.U32(o.max_message_bytes) || !r.U32(count)) {
    return truncated("options");
  }
  if (count > body.size()) return truncated("signature count");
  std::vector<Signature> sigs(count);
  std::vector<Plan> plans(count);
  for (uint32_t i = 0; i < count; ++i) {
    Signature& s = sigs[i];
    uint8_t cls = 0, scope = 0, kind = 0, flags = 0, plan = 0;
    if (!r.U8(cls) || !r.U8(scope) || !r.U8(kind) || !r.U8(flags) || !r.U8(plan) ||
        !r.F64(s.score) || !r.Bytes(s.id) || !r.Bytes(s.pattern) || !r.Bytes(s.origin)) {
      return truncated("signature");
    }
    if (cls > 1 || scope > 1 || kind > 1 || flags > 7 || plan > 2) return truncated("signature fields");
    s.cls = static_cast<SigClass>(cls);
    s.scope = static_cast<Scope>(scope);
    s.kind = static_cast<PatternKind>(kind);
    s.flags = {(flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0};
    plans[i] = static_cast<Plan>(plan);
  }
  uint32_t gate_count = 0;
  if (!r.U32(gate_count) || gate_count > body.size()) return truncated("gate count");
  std::vector<GateFactor> gates(gate_count);
  for (GateFactor& g : gates) {
    uint8_t window = 0;
    uint32_t classes = 0;
    if (!r.U32(g.sig) || !r.U32(g.bit) || !r.U8(window) || !r.U32(g.window_back) ||
        !r.U32(g.window_front) || !r.U32(g.window_runs) || !r.U32(classes)) {
      return truncated("gate");
    }
    if (window > 1 || classes > 256) return truncated("gate fields");
    g.window = window != 0;
    g.run_classes.resize(classes);
    for (std::string& c : g.run_classes) {
      if (!r.Bytes(c)) return truncated("gate run class");
    }
  }
  std::string_view raw_blob, body_blob;
  if (!r.Blob(raw_blob) || !r.Blob(body_blob)) return truncated("Hyperscan database");
  if (!r.done()) return truncated("trailing bytes");
  if (Crc32c(body.data(), body.size()) != crc) {
    error = "signature database corrupt: CRC-32C mismatch";
    return nullptr;
  }
  hs_database_t* raw = nullptr;
  hs_database_t* bdb = nullptr;
  if (!raw_blob.empty() && (raw = DeserializeHyperscan(raw_blob, "raw-scope", error)) == nullptr) {
    return nullptr;
  }
  if (!body_blob.empty() && (bdb = DeserializeHyperscan(body_blob, "body-scope", error)) == nullptr) {
    hs_free_database(raw);
    return nullptr;
  }
  return DatabaseBuilder::Assemble(std::move(sigs), std::move(plans), std::move(gates), o, raw, bdb,
                                   error);
}

}  // namespace spamwall::signatures
