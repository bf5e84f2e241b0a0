#include "control/controld/config.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "ipc/regular_file.h"

namespace spamwall::controld {

namespace {

std::string Where(const std::string& name, const YAML::Mark& m) {
  return name + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": ";
}

// Key -> field: the one table the file, the flags and the messages share.
std::map<std::string, std::string Config::*> Fields() {
  return {{"policy", &Config::policy},
          {"socket", &Config::socket},
          {"socket_group", &Config::socket_group},
          {"socket_mode", &Config::socket_mode},
          {"dataplane_socket", &Config::dataplane_socket},
          {"state_dir", &Config::state_dir},
          {"audit_log", &Config::audit_log},
          {"prometheus", &Config::prometheus},
          {"max_exemption_v4", &Config::max_exemption_v4},
          {"max_exemption_v6", &Config::max_exemption_v6},
          {"keep_generations", &Config::keep_generations},
          {"events", &Config::events},
          {"event_retention_days", &Config::event_retention_days}};
}

std::string KnownKeys() {
  std::string s;
  for (const auto& [k, _] : Fields()) s += (s.empty() ? "" : ", ") + k;
  return s;
}

}  // namespace

bool ParseConfigText(std::string_view text, const std::string& name, Config* cfg,
                     std::string* error) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    *error = Where(name, e.mark) + e.msg;
    return false;
  }
  if (root.IsNull()) return true;  // an empty file: every default
  if (!root.IsMap()) {
    *error = Where(name, root.Mark()) + "the configuration must be a mapping of key: value";
    return false;
  }
  auto fields = Fields();
  std::map<std::string, bool> seen;
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    auto it = fields.find(key);
    if (it == fields.end()) {
      *error = Where(name, kv.first.Mark()) + "unknown key '" + key + "' (known keys: " + KnownKeys() + ")";
      return false;
    }
    if (seen[key]) {
      *error = Where(name, kv.first.Mark()) + "duplicate key '" + key + "'";
      return false;
    }
    seen[key] = true;
    const YAML::Node& v = kv.second;
    if (v.IsNull()) {
      cfg->*(it->second) = "";
    } else if (v.IsScalar()) {
      cfg->*(it->second) = v.Scalar();
    } else {
      *error = Where(name, v.Mark()) + "'" + key + "' must be a single value, not a list or mapping";
      return false;
    }
    // Value checks that need the line: run them on a copy holding only this key.
    Config probe;
    probe.*(it->second) = cfg->*(it->second);
    std::string why;
    if (!ValidateConfig(&probe, &why)) {
      *error = Where(name, v.Mark()) + why;
      return false;
    }
  }
  return true;
}

bool LoadConfigFile(const std::string& path, Config* cfg, std::string* error) {
  // controld's own file: regular, not a link, bounded.
  proto::ReadFileOptions opts;
  opts.follow_links = false;
  std::string why;
  auto text = proto::ReadRegularFile(path, opts, &why);
  if (!text) {
    *error = "cannot read configuration " + why;
    return false;
  }
  return ParseConfigText(*text, path, cfg, error);
}

namespace {

// A decimal integer lo..hi (the whole text).
bool IntIn(const std::string& key, const std::string& v, int lo, int hi, int* out, std::string* error) {
  const bool digits = !v.empty() && v.size() <= 4 && v.find_first_not_of("0123456789") == std::string::npos;
  const int n = digits ? std::stoi(v) : -1;
  if (n < lo || n > hi) {
    *error = key + " must be an integer " + std::to_string(lo) + ".." + std::to_string(hi) + ", not '" + v + "'";
    return false;
  }
  *out = n;
  return true;
}

}  // namespace

bool ValidateConfig(Config* cfg, std::string* error) {
  if (!IntIn("max_exemption_v4", cfg->max_exemption_v4, 0, 32, &cfg->max_exemption_len_v4, error) ||
      !IntIn("max_exemption_v6", cfg->max_exemption_v6, 0, 128, &cfg->max_exemption_len_v6, error) ||
      !IntIn("keep_generations", cfg->keep_generations, 2, 1000, &cfg->keep, error) ||
      !IntIn("event_retention_days", cfg->event_retention_days, 1, 3650, &cfg->retention_days, error))
    return false;
  const std::string& ev = cfg->events;
  if (!(ev.empty() || ev == "off" || ev == "sqlite" || (ev.rfind("sqlite:/", 0) == 0) ||
        ev.rfind("postgresql://", 0) == 0 || ev.rfind("postgres://", 0) == 0)) {
    *error = "events must be \"sqlite\", \"sqlite:/PATH\", \"postgresql://...\" or \"off\", not '" +
             ev.substr(0, ev.find(':')) + "...'";
    return false;
  }
  const std::pair<const char*, const std::string*> paths[] = {
      {"socket", &cfg->socket},         {"dataplane_socket", &cfg->dataplane_socket},
      {"state_dir", &cfg->state_dir},   {"audit_log", &cfg->audit_log}};
  for (const auto& [key, value] : paths) {
    if (value->empty() || (*value)[0] != '/') {
      *error = std::string(key) + " must be an absolute path, not '" + *value + "'";
      return false;
    }
  }
  if (!cfg->policy.empty() && cfg->policy[0] != '/') {
    *error = "policy must be an absolute path, not '" + cfg->policy + "'";
    return false;
  }
  const std::string& m = cfg->socket_mode;
  bool octal = !m.empty() && m.size() <= 4 && m.find_first_not_of("01234567") == std::string::npos;
  if (!octal || std::stoul(m, nullptr, 8) > 0777) {
    *error = "socket_mode must be an octal file mode such as \"0660\", not '" + m + "'";
    return false;
  }
  cfg->mode = static_cast<mode_t>(std::stoul(m, nullptr, 8));
  cfg->prometheus_host.clear();
  cfg->prometheus_port = 0;
  if (!cfg->prometheus.empty()) {
    const std::string& p = cfg->prometheus;
    size_t colon = p.rfind(':');
    std::string port = colon == std::string::npos ? "" : p.substr(colon + 1);
    bool digits = !port.empty() && port.size() <= 5 &&
                  port.find_first_not_of("0123456789") == std::string::npos;
    int n = digits ? std::stoi(port) : 0;
    if (colon == 0 || colon == std::string::npos || n < 1 || n > 65535) {
      *error = "prometheus must be host:port (e.g. 127.0.0.1:9632) or empty for off, not '" + p + "'";
      return false;
    }
    cfg->prometheus_host = p.substr(0, colon);
    if (cfg->prometheus_host.size() > 2 && cfg->prometheus_host.front() == '[')
      cfg->prometheus_host = cfg->prometheus_host.substr(1, cfg->prometheus_host.size() - 2);
    cfg->prometheus_port = n;
  }
  return true;
}

int ParseCommandLine(int argc, char** argv, Config* cfg) {
  CLI::App app{"spamwall-controld: the control-plane daemon. It keeps the policy (file + runtime\n"
               "overlay), compiles it and pushes it to spamwall-dataplane, and serves spamwallctl."};
  std::string config_path = kDefaultConfigPath;
  bool config_given = false;
  app.add_option_function<std::string>(
         "-c,--config", [&](const std::string& p) { config_path = p; config_given = true; },
         std::string("configuration file (default ") + kDefaultConfigPath + "; every key below may be set there)");
  std::map<std::string, std::optional<std::string>> flags;
  Config defaults;
  for (const auto& [key, field] : Fields()) {
    std::string flag = "--" + key;
    for (auto& c : flag) if (c == '_') c = '-';
    auto* opt = app.add_option_function<std::string>(
        flag, [&flags, key = key](const std::string& v) { flags[key] = v; },
        "'" + key + "' (default \"" + defaults.*field + "\")");
    opt->type_name("VALUE");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  std::string error;
  if (config_given || access(config_path.c_str(), F_OK) == 0) {
    if (!LoadConfigFile(config_path, cfg, &error)) {
      std::cerr << "spamwall-controld: " << error << "\n";
      return 2;
    }
  }
  auto fields = Fields();
  for (const auto& [key, value] : flags) {
    if (!value) continue;
    std::string v = *value;
    // Relative paths on the command line are the operator's cwd's.
    if ((key == "policy" || key == "socket" || key == "dataplane_socket" || key == "state_dir" ||
         key == "audit_log") && !v.empty() && v[0] != '/')
      v = std::filesystem::absolute(v).string();
    cfg->*(fields[key]) = v;
  }
  if (!ValidateConfig(cfg, &error)) {
    std::cerr << "spamwall-controld: " << error << "\n";
    return 2;
  }
  return -1;
}

}  // namespace spamwall::controld
