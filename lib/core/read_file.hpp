// Reading small text files from /proc and /sys, which report size 0 and must be read to EOF.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace sonde::core {

/// Files larger than this are refused rather than read without bound (a fixture or a bind mount
/// could put anything at a /proc path).
inline constexpr std::size_t kMaxProcFileBytes = 16u << 20;

/// Reads the whole file. Errors name the path and errno's text.
Result<std::string> read_text(const std::filesystem::path& path,
                              std::size_t max_bytes = kMaxProcFileBytes);

/// Splits text at '\n' without copying; the last line may lack its newline. Calls f(line).
template <class F>
void for_each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    f(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace sonde::core
