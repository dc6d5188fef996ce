// Reading a /proc file that may legitimately be absent (a kernel without IPv6, conntrack not
// loaded, schedstats not compiled in): absence is a value, not an error.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include "core/read_file.hpp"
#include "core/result.hpp"

namespace sonde::collectors {

/// The file's text, nullopt if it does not exist, or the read error (permission, too large...).
inline core::Result<std::optional<std::string>> read_if_present(
    const std::filesystem::path& path, std::size_t max_bytes = core::kMaxProcFileBytes) {
  auto text = core::read_text(path, max_bytes);
  if (text) return std::optional<std::string>(std::move(*text));
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return std::optional<std::string>();
  return text.error();
}

}  // namespace sonde::collectors
