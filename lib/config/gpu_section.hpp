// Reads the `gpu` section of the config into gpu::GpuOptions (internal to lib/config).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "config/reader.hpp"
#include "gpu/options.hpp"

namespace sonde::config {

void read_gpu(Reader& r, const YAML::Node& n, const std::string& p, gpu::GpuOptions& out);

}  // namespace sonde::config
