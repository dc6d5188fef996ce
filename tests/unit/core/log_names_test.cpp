#include "core/log_names.hpp"

#include <catch2/catch.hpp>

using namespace sonde;

TEST_CASE("log level and format names", "[core][log]") {
  for (auto l :
       {core::LogLevel::debug, core::LogLevel::info, core::LogLevel::warn, core::LogLevel::error}) {
    CHECK(core::parse_log_level(core::to_string(l)) == l);
  }
  for (auto f : {core::LogFormat::text, core::LogFormat::json}) {
    CHECK(core::parse_log_format(core::to_string(f)) == f);
  }
  CHECK_FALSE(core::parse_log_level("warning"));
  CHECK_FALSE(core::parse_log_level("INFO"));
  CHECK_FALSE(core::parse_log_format("logfmt"));
}

TEST_CASE("log name lists name every value", "[core][log]") {
  for (const auto& [name, value] : core::kLogLevelNames) {
    CHECK(core::log_level_list().find(name) != std::string_view::npos);
  }
  for (const auto& [name, value] : core::kLogFormatNames) {
    CHECK(core::log_format_list().find(name) != std::string_view::npos);
  }
}
