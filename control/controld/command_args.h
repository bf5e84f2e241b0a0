// What controld's command handlers share: the typed arguments of a request
// (ipc/api/controld_api.h) or its bad_request, naming command and field.
#ifndef SPAMWALL_CONTROL_CONTROLD_COMMAND_ARGS_H_
#define SPAMWALL_CONTROL_CONTROLD_COMMAND_ARGS_H_

#include <string>

#include "ipc/server.h"
#include "ipc/wire.h"

namespace spamwall::controld {

inline proto::Reply BadArgs(const std::string& m) { return proto::Reply::Error(proto::kBadRequest, m); }

template <typename Args>
bool ParseArgs(const proto::Request& r, Args* out, proto::Reply* bad) {
  std::string error;
  if (Args::FromJson(r.args, out, &error)) return true;
  *bad = BadArgs(r.cmd + ": " + error);
  return false;
}

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_COMMAND_ARGS_H_
