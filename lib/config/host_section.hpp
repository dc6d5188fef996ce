// Config readers for the host collectors added with issue 3 (collectors.diskstats, .netdev,
// .filesystem, .pressure). Called from loader.cpp's read_collectors.
#pragma once

#include <string>

#include "config/reader.hpp"
#include "core/options.hpp"

namespace sonde::config {

/// Reads collectors.{diskstats,netdev,filesystem,pressure} from the `collectors` map `n` (path
/// `p`); the caller has checked that map's keys.
void read_host_collectors(Reader& r, const YAML::Node& n, const std::string& p,
                          core::CollectorsOptions& out);

}  // namespace sonde::config
