// Reads the `remote_write` list of the config into remote::RemoteWriteList, with Prometheus
// 2.42's keys and checks (internal to lib/config).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "config/reader.hpp"
#include "remote/options.hpp"

namespace sonde::config {

void read_remote_write(Reader& r, const YAML::Node& n, const std::string& p,
                       remote::RemoteWriteList& out);

}  // namespace sonde::config
