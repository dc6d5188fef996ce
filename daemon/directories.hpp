// Where sonde keeps files: the runtime directory (sockets; systemd empties it on every restart)
// and the state directory (alert state, the remote-write buffer: kept across restarts). Resolved
// once, here in daemon/, from the environment; modules are given the paths and read no
// environment variables.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sonde::daemon {

struct Directories {
  std::filesystem::path runtime;
  /// Empty when none can be found (no STATE_DIRECTORY, XDG_STATE_HOME or home directory).
  std::filesystem::path state;
};

/// Looks up an environment variable; nothing when it is unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// Pure: from `env`, the user id and the user's home directory from the password database
/// (used when $HOME is unset or not absolute; may be empty).
/// - runtime: $RUNTIME_DIRECTORY (systemd's RuntimeDirectory=, the first of a ':' list), else
///   $XDG_RUNTIME_DIR/sonde, else /tmp/sonde-<uid>.
/// - state: $STATE_DIRECTORY (systemd's StateDirectory=, the first of a ':' list), else
///   $XDG_STATE_HOME/sonde, else <home>/.local/state/sonde. Never the runtime directory.
/// Relative paths in XDG_* and HOME are ignored, as the XDG Base Directory specification says.
Directories resolve_directories(const EnvLookup& env, unsigned uid, std::string_view passwd_home);

/// getenv as an EnvLookup.
EnvLookup process_environment();

/// The process's environment (getenv) and user (getuid, getpwuid_r).
Directories process_directories();

}  // namespace sonde::daemon
