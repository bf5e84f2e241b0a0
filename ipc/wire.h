// The framing every spamwall control connection speaks (spamwallctl <->
// spamwall-controld <-> spamwall-dataplane), over Unix stream sockets.
// docs/control-protocol.md is the reference; in short, every message is
//
//   offset 0  "SWCP"            magic
//          4  u16 version       kProtocolVersion (little-endian, as all fields)
//          6  u16 flags         bit 0: one file descriptor rides along (SCM_RIGHTS)
//          8  u32 body length   at most the receiver's limit
//         12  u32 reserved      0
//         16  body              one JSON object (UTF-8)
//
// Requests are {"id": N, "cmd": "policy.push", "args": {...}}; replies echo
// the id: {"id": N, "ok": true, "result": {...}} or
// {"id": N, "ok": false, "error": {"code": "...", "message": "..."}}.
#ifndef SPAMWALL_IPC_WIRE_H_
#define SPAMWALL_IPC_WIRE_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "ipc/unique_fd.h"

namespace spamwall::proto {

constexpr uint16_t kProtocolVersion = 1;
constexpr uint32_t kHeaderBytes = 16;
constexpr uint32_t kDefaultMaxBody = 1u << 20;  // requests: 1 MiB is plenty
constexpr uint16_t kFlagFd = 1;
// Bodies nested deeper (arrays and objects) are refused: copying or dumping
// a value recurses once per level, and a 1 MiB body of brackets would
// overflow a connection thread's stack.
constexpr int kMaxJsonDepth = 64;

struct Message {
  nlohmann::json body;
  UniqueFd fd;  // valid when the sender attached one
};

enum class ReadResult {
  kOk,
  kClosed,     // the peer hung up before a new message began (not an error)
  kBadHeader,  // framing lost (magic, version, size, truncated): answer, then close
  kBadBody,    // framing intact, body unusable (not JSON, not an object): answer, go on
};

// Reads one message. On anything but kOk/kClosed, *error says what was wrong
// in words an operator can act on. `max_body` bounds the body length.
ReadResult ReadMessage(int sock, Message* out, std::string* error,
                       uint32_t max_body = kDefaultMaxBody);

// Writes one message, with `fd` attached when >= 0. Never raises SIGPIPE.
bool WriteMessage(int sock, const nlohmann::json& body, int fd, std::string* error);

// The same checks for readers that gather the bytes themselves (the server's
// event loop reads without blocking): the header's fields, then the body.
struct Header {
  uint16_t flags = 0;
  uint32_t length = 0;
};
// kOk or kBadHeader (magic, version, a length over max_body).
ReadResult ParseHeader(const uint8_t* h, uint32_t max_body, Header* out, std::string* error);
// kOk or kBadBody (a descriptor announced and none came, depth, not JSON, not
// an object). `fd` is what arrived with the header; it is kept only when announced.
ReadResult ParseBody(const Header& header, const std::string& body, UniqueFd fd, Message* out,
                     std::string* error);
// Header and body, ready to send (no descriptor).
std::string EncodeMessage(const nlohmann::json& body);

// Reply bodies.
nlohmann::json OkReply(const nlohmann::json& id, nlohmann::json result);
nlohmann::json ErrorReply(const nlohmann::json& id, const std::string& code,
                          const std::string& message);

// Error codes used in replies.
inline constexpr const char* kBadRequest = "bad_request";   // malformed, oversized, unknown cmd
inline constexpr const char* kForbidden = "forbidden";      // wrong peer
inline constexpr const char* kRefused = "refused";          // valid request, refused (bad policy)
inline constexpr const char* kUnavailable = "unavailable";  // a downstream process is not there
inline constexpr const char* kInternal = "internal";

}  // namespace spamwall::proto

#endif  // SPAMWALL_IPC_WIRE_H_
