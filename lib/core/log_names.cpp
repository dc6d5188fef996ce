#include "core/log_names.hpp"

namespace sonde::core {
namespace {

template <class E, std::size_t N>
std::optional<E> find(const std::array<std::pair<std::string_view, E>, N>& names,
                      std::string_view text) {
  for (const auto& [name, value] : names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<std::string_view, E>, N>& names, E value) {
  for (const auto& [name, v] : names) {
    if (v == value) return name;
  }
  return "unknown";
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view text) {
  return find(kLogLevelNames, text);
}
std::optional<LogFormat> parse_log_format(std::string_view text) {
  return find(kLogFormatNames, text);
}

std::string_view to_string(LogLevel level) { return name_of(kLogLevelNames, level); }
std::string_view to_string(LogFormat format) { return name_of(kLogFormatNames, format); }

std::string_view log_level_list() { return "debug, info, warn, error"; }
std::string_view log_format_list() { return "text, json"; }

}  // namespace sonde::core
