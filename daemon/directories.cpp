#include "daemon/directories.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace sonde::daemon {
namespace {

// A non-empty value, cut at the first ':' (systemd lists several directories that way).
std::optional<std::filesystem::path> systemd_dir(const EnvLookup& env, std::string_view name) {
  auto v = env(name);
  if (!v || v->empty()) return std::nullopt;
  std::string first = v->substr(0, v->find(':'));
  if (first.empty()) return std::nullopt;
  return std::filesystem::path(first);
}

// An absolute path from the variable; relative and empty values are ignored.
std::optional<std::filesystem::path> absolute_dir(const EnvLookup& env, std::string_view name) {
  auto v = env(name);
  if (!v || v->empty() || v->front() != '/') return std::nullopt;
  return std::filesystem::path(*v);
}

}  // namespace

Directories resolve_directories(const EnvLookup& env, unsigned uid, std::string_view passwd_home) {
  Directories out;
  if (auto d = systemd_dir(env, "RUNTIME_DIRECTORY")) {
    out.runtime = *d;
  } else if (auto x = absolute_dir(env, "XDG_RUNTIME_DIR")) {
    out.runtime = *x / "sonde";
  } else {
    out.runtime = "/tmp/sonde-" + std::to_string(uid);
  }
  if (auto d = systemd_dir(env, "STATE_DIRECTORY")) {
    out.state = *d;
  } else if (auto x = absolute_dir(env, "XDG_STATE_HOME")) {
    out.state = *x / "sonde";
  } else if (auto h = absolute_dir(env, "HOME")) {
    out.state = *h / ".local/state/sonde";
  } else if (!passwd_home.empty() && passwd_home.front() == '/') {
    out.state = std::filesystem::path(passwd_home) / ".local/state/sonde";
  }
  return out;
}

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Directories process_directories() {
  const EnvLookup env = process_environment();
  std::string home;
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found &&
      found->pw_dir) {
    home = found->pw_dir;
  }
  return resolve_directories(env, ::getuid(), home);
}

}  // namespace sonde::daemon
