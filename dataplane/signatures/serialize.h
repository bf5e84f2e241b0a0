// A compiled signature set as bytes (for a generation image section or a
// file) and back. The bytes carry the signatures, their plans, the match
// limits and both Hyperscan databases (hs_serialize_database); a CRC-32C
// covers them all. Loading checks the CPU (hs_valid_platform) and each
// database's platform against it, and refuses truncated or foreign bytes
// with a message that says which.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "dataplane/signatures/database.h"

namespace spamwall::signatures {

// Layout: "SWSIGDB1", u32 version, u32 crc32c of what follows, then the
// body (serialize.cc). Little-endian.
inline constexpr std::string_view kSectionMagic = "SWSIGDB1";
inline constexpr uint32_t kSectionVersion = 2;  // 2: gate windows

// Empty and `error` set when Hyperscan cannot serialize a database.
std::string SerializeDatabase(const Database& db, std::string& error);

// One Hyperscan database from hs_serialize_database's bytes: refused (null,
// `error` naming `which` and the bytes' platform) when truncated, from
// another Hyperscan version, or built for CPU features this one lacks.
::hs_database* DeserializeHyperscan(std::string_view blob, const char* which,
                                         std::string& error);

// Null and `error` set when the bytes are not a database this process can run.
std::unique_ptr<Database> DeserializeDatabase(std::string_view bytes, std::string& error);

}  // namespace spamwall::signatures
