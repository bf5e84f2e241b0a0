// What controld's command handlers share: the typed arguments of a request
// (ipc/api/controld_api.h) or its bad_request, naming command and field.
#ifndef SPAMWALL_CONTROL_CONTROLD_COMMAND_ARGS_H_
#define SPAMWALL_CONTROL_CONTROLD_COMMAND_ARGS_H_

#include <string>

#include "ipc/api/file_bundle.h"
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

// A request's bundle (file_bundle.h): controld never opens a path a
// client names, it reads the bytes the client sent. False with the
// bad_request for a path, an unknown argument or a bundle that does not read.
bool BundleArg(const proto::Request& r, api::FileBundle* b, proto::Reply* bad);

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_COMMAND_ARGS_H_
