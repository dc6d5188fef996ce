// Reads the `ingest` section (DogStatsD listeners, mapping file, aggregation limits).
#pragma once

#include <string>

#include "config/reader.hpp"
#include "ingest/options.hpp"

namespace sonde::config {

void read_ingest(Reader& r, const YAML::Node& n, const std::string& path,
                 ingest::IngestOptions& out);

}  // namespace sonde::config
