// Reads the `ingest` section (DogStatsD listeners, mapping file, aggregation limits).
#pragma once

#include <string>

#include "config/reader.hpp"
#include "core/options_ingest.hpp"

namespace sonde::config {

void read_ingest(Reader& r, const YAML::Node& n, const std::string& path, core::IngestOptions& out);

}  // namespace sonde::config
