// Reads the `gpu` section of the config into core::GpuOptions (internal to lib/config).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "config/reader.hpp"
#include "core/options_gpu.hpp"

namespace sonde::config {

void read_gpu(Reader& r, const YAML::Node& n, const std::string& p, core::GpuOptions& out);

}  // namespace sonde::config
