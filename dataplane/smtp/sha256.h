// Streaming SHA-256 over OpenSSL's libcrypto (EVP), for the message hash:
// the message is hashed as it passes, never buffered whole.
#ifndef SPAMWALL_DATAPLANE_SMTP_SHA256_H_
#define SPAMWALL_DATAPLANE_SMTP_SHA256_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace spamwall::smtp {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Reset();  // starts a new digest; the context is kept for reuse
  void Update(const uint8_t* p, size_t n);
  std::string FinalHex();  // 64 lowercase hex digits; Reset() before reuse

  static std::string Hex(const uint8_t* p, size_t n);  // one-shot

 private:
  void* ctx_;  // EVP_MD_CTX, kept out of the header
};

}  // namespace spamwall::smtp

#endif  // SPAMWALL_DATAPLANE_SMTP_SHA256_H_
