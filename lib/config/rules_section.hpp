// Reads the `rules` and `global` sections of the config (internal to lib/config).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "config/reader.hpp"
#include "core/options.hpp"
#include "rules/options.hpp"

namespace sonde::config {

void read_rules(Reader& r, const YAML::Node& n, const std::string& p, rules::RulesOptions& out);
void read_global(Reader& r, const YAML::Node& n, const std::string& p, core::GlobalOptions& out);

}  // namespace sonde::config
