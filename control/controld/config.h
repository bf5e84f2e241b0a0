// spamwall-controld's configuration: /etc/spamwall/controld.yaml, every key
// also a command-line flag (the flag wins). Unknown keys and bad values are
// refused with file:line so a typo never silently falls back to a default.
#ifndef SPAMWALL_CONTROL_CONTROLD_CONFIG_H_
#define SPAMWALL_CONTROL_CONTROLD_CONFIG_H_

#include <sys/types.h>

#include <string>
#include <string_view>

namespace spamwall::controld {

constexpr const char* kDefaultConfigPath = "/etc/spamwall/controld.yaml";

struct Config {
  std::string policy;  // pushed at start; empty: wait for a push
  std::string socket = "/run/spamwall/ctl.sock";
  std::string socket_group = "spamwall";  // empty: root and controld's own user only
  std::string socket_mode = "0660";
  std::string dataplane_socket = "/run/spamwall/dataplane.sock";
  std::string state_dir = "/var/lib/spamwall";
  std::string audit_log = "/var/log/spamwall/audit.log";
  std::string prometheus = "127.0.0.1:9632";  // host:port; empty: off
  // An exemption shorter than these prefix lengths (wider) needs --force.
  std::string max_exemption_v4 = "24";
  std::string max_exemption_v6 = "56";
  // Generations kept in state_dir/generations for `policy rollback --to N`
  // (the live, previous and any in doubt are always kept).
  std::string keep_generations = "8";
  // The event store (SMTP events, complaints, alerts): "" or "sqlite" for
  // state_dir/events.sqlite, "sqlite:/path", "postgresql://..." (libpq), or
  // "off".
  std::string events;
  // Events older than this many days are deleted (hourly).
  std::string event_retention_days = "30";

  // Derived by ValidateConfig.
  mode_t mode = 0660;
  std::string prometheus_host;
  int prometheus_port = 0;
  int max_exemption_len_v4 = 24, max_exemption_len_v6 = 56;
  int keep = 8;
  int retention_days = 30;
};

// Reads YAML text into *cfg (keys absent keep their value). On error *error
// is "name:line:col: message".
bool ParseConfigText(std::string_view text, const std::string& name, Config* cfg,
                     std::string* error);
bool LoadConfigFile(const std::string& path, Config* cfg, std::string* error);

// Checks values and fills the derived fields; `where` prefixes messages.
bool ValidateConfig(Config* cfg, std::string* error);

// Parses the command line (config file, then flags over it). Returns -1 to go
// on, or the exit code (0 after --help, 2 on any error, already printed).
int ParseCommandLine(int argc, char** argv, Config* cfg);

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_CONFIG_H_
