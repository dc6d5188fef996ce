// A fixed environment for the daemon's pure resolvers.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "daemon/directories.hpp"

namespace sonde::daemon::test {

inline EnvLookup env_of(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace sonde::daemon::test
