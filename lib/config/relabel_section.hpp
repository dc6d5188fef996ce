// Reads a Prometheus relabel_configs list (write_relabel_configs; later alert_relabel_configs)
// into core::RelabelConfig, checked with core::validate (internal to lib/config).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/reader.hpp"
#include "core/relabel.hpp"

namespace sonde::config {

/// The list under `key` of map `n` (absent or null: `out` unchanged).
void read_relabel_configs(Reader& r, const YAML::Node& n, const std::string& p,
                          std::string_view key, std::vector<core::RelabelConfig>& out);

}  // namespace sonde::config
