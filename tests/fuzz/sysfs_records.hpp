// Input shape of the sysfs fuzz targets: a directory's attribute files as "name=text" lines (the
// first '=' splits; a line without one is a file with empty text), so libFuzzer explores both
// the file names and their contents.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/metrics.hpp"

namespace sonde::fuzz {

inline std::vector<std::pair<std::string, std::string>> sysfs_records(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    const auto eq = line.find('=');
    out.emplace_back(std::string(line.substr(0, eq)), eq == std::string_view::npos
                                                          ? std::string()
                                                          : std::string(line.substr(eq + 1)));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

/// Every family has a valid metric name, a help text and at least one sample.
inline void check_families(const core::Snapshot& snap) {
  for (const core::Family& f : snap.families) {
    if (f.name.empty() || f.samples.empty()) __builtin_trap();
    for (std::size_t i = 0; i < f.name.size(); ++i) {
      const char c = f.name[i];
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                      (i > 0 && c >= '0' && c <= '9');
      if (!ok) __builtin_trap();
    }
  }
}

}  // namespace sonde::fuzz
