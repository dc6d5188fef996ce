// Config readers for the host collectors added with issues 3 and 14 (collectors.diskstats,
// .netdev, .filesystem, .pressure, .netstat, .arp, ...). Called from loader.cpp's read_collectors.
#pragma once

#include <string>

#include "config/reader.hpp"
#include "core/options.hpp"

namespace sonde::config {

/// A regex option that both the loader's check (Reader::regex) and core::Regex (RE2, as the
/// collector will compile it) accept; empty stays empty.
void read_re2_option(Reader& r, const YAML::Node& n, const std::string& p, std::string_view key,
                     std::string& out);

/// Reads collectors.{diskstats,netdev,filesystem,pressure,netstat,arp,sockstat,...} from the
/// `collectors` map `n` (path `p`); the caller has checked that map's keys.
void read_host_collectors(Reader& r, const YAML::Node& n, const std::string& p,
                          core::CollectorsOptions& out);

}  // namespace sonde::config
