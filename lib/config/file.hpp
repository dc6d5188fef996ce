// Internal to lib/config: reading a file sonde takes (config, mapping file), bounded and safe
// against what a mistaken or hostile path can name.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace sonde::config {

/// The bytes of `path`, or one error naming the file. Anything that is not a regular file after
/// following symlinks (a FIFO, a socket, a device, a directory) is refused before it is opened, so
/// a FIFO cannot block sonde until a writer appears (/dev/null, which cannot, reads as empty);
/// files larger than kMaxConfigBytes are refused.
core::Result<std::string, core::Diagnostic> read_config_file(const std::filesystem::path& path);

}  // namespace sonde::config
