#include "daemon/directories.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "unit/daemon/env_of.hpp"

using sonde::daemon::Directories;
using sonde::daemon::EnvLookup;
using sonde::daemon::resolve_directories;

using sonde::daemon::test::env_of;

TEST_CASE("runtime directory: systemd, then XDG, then /tmp/sonde-UID", "[daemon][dirs]") {
  const auto runtime = [](std::map<std::string, std::string, std::less<>> vars) {
    return resolve_directories(env_of(std::move(vars)), 1000, "/home/u").runtime;
  };
  CHECK(runtime({{"RUNTIME_DIRECTORY", "/run/sonde"}, {"XDG_RUNTIME_DIR", "/run/user/1000"}}) ==
        "/run/sonde");
  CHECK(runtime({{"RUNTIME_DIRECTORY", "/run/sonde:/run/other"}}) == "/run/sonde");
  CHECK(runtime({{"RUNTIME_DIRECTORY", ""}, {"XDG_RUNTIME_DIR", "/run/user/1000"}}) ==
        "/run/user/1000/sonde");
  CHECK(runtime({{"XDG_RUNTIME_DIR", "relative/dir"}}) == "/tmp/sonde-1000");
  CHECK(runtime({}) == "/tmp/sonde-1000");
}

TEST_CASE("state directory: systemd, then XDG_STATE_HOME, then ~/.local/state", "[daemon][dirs]") {
  const auto state = [](std::map<std::string, std::string, std::less<>> vars,
                        std::string_view home = "/home/pw") {
    return resolve_directories(env_of(std::move(vars)), 1000, home).state;
  };
  CHECK(state({{"STATE_DIRECTORY", "/var/lib/sonde"}, {"XDG_STATE_HOME", "/x"}}) ==
        "/var/lib/sonde");
  CHECK(state({{"STATE_DIRECTORY", "/var/lib/sonde:/var/lib/b"}}) == "/var/lib/sonde");
  CHECK(state({{"XDG_STATE_HOME", "/home/u/.state"}, {"HOME", "/home/u"}}) ==
        "/home/u/.state/sonde");
  CHECK(state({{"XDG_STATE_HOME", "rel"}, {"HOME", "/home/u"}}) == "/home/u/.local/state/sonde");
  CHECK(state({{"HOME", "/home/u"}}) == "/home/u/.local/state/sonde");
  // No usable $HOME: the password database's home directory.
  CHECK(state({{"HOME", ""}}) == "/home/pw/.local/state/sonde");
  CHECK(state({}) == "/home/pw/.local/state/sonde");
  // Nothing at all: no state directory, and never the runtime directory.
  const Directories none =
      resolve_directories(env_of({{"RUNTIME_DIRECTORY", "/run/sonde"}}), 0, "");
  CHECK(none.state.empty());
  CHECK(none.runtime == "/run/sonde");
}

TEST_CASE("the process's directories are absolute", "[daemon][dirs]") {
  const Directories d = sonde::daemon::process_directories();
  CHECK(d.runtime.is_absolute());
  CHECK((d.state.empty() || d.state.is_absolute()));
  CHECK(d.state != d.runtime);
}
