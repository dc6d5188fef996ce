#include "core/result.hpp"

namespace sonde::core {

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  if (!out.empty()) out += ": ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

std::vector<std::string> Errors::lines() const {
  std::vector<std::string> out;
  out.reserve(list_.size() + 1);
  for (const auto& d : list_) out.push_back(d.to_string());
  if (dropped_ > 0) out.push_back("... and " + std::to_string(dropped_) + " more errors");
  return out;
}

}  // namespace sonde::core
