// Reads the `collectors` section generically, from the key tables in collectors/options.hpp:
// adding a collector or a collector option needs nothing here.
#pragma once

#include <string>

#include "collectors/options.hpp"
#include "config/reader.hpp"

namespace sonde::config {

void read_collectors(Reader& r, const YAML::Node& n, const std::string& path,
                     collectors::CollectorsOptions& out);

}  // namespace sonde::config
