#include "dataplane/smtp/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace spamwall::smtp {

namespace {
EVP_MD_CTX* Ctx(void* p) { return static_cast<EVP_MD_CTX*>(p); }
}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) std::abort();  // out of memory: nothing sensible to do
  Reset();
}

Sha256::~Sha256() { EVP_MD_CTX_free(Ctx(ctx_)); }

void Sha256::Reset() {
  if (EVP_DigestInit_ex(Ctx(ctx_), EVP_sha256(), nullptr) != 1) std::abort();
}

void Sha256::Update(const uint8_t* p, size_t n) {
  if (n > 0) EVP_DigestUpdate(Ctx(ctx_), p, n);
}

std::string Sha256::FinalHex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(Ctx(ctx_), md, &len);
  static const char kDigits[] = "0123456789abcdef";
  std::string out(2 * len, '0');
  for (unsigned i = 0; i < len; i++) {
    out[2 * i] = kDigits[md[i] >> 4];
    out[2 * i + 1] = kDigits[md[i] & 15];
  }
  return out;
}

std::string Sha256::Hex(const uint8_t* p, size_t n) {
  Sha256 h;
  h.Update(p, n);
  return h.FinalHex();
}

}  // namespace spamwall::smtp
