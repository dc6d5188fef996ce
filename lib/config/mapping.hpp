// Reading a statsd_exporter mapping file into ingest::MappingSpec, strictly: every key sonde does
// not implement is an error with file:line:column naming it, except the native-histogram and
// summary-tuning keys, which the text exposition cannot use (listed in spec.ignored_keys).
// ingest::Mapper::compile then compiles the globs and regexes.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/result.hpp"
#include "ingest/mapping_spec.hpp"

namespace sonde::config {

/// The same file checks as load_file (regular file, at most kMaxConfigBytes). Never throws.
core::Result<ingest::MappingSpec, core::Errors> load_mapping_file(
    const std::filesystem::path& path);
/// `name` is the file in errors and in the spec.
core::Result<ingest::MappingSpec, core::Errors> load_mapping_string(std::string_view yaml,
                                                                    std::string_view name);

}  // namespace sonde::config
