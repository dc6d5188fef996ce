// Reading rule unit-test files (`promtool test rules` at Prometheus 2.42) into lib/rules' plain
// structures (rules/unit_test_spec.hpp), decoding as promtool does with yaml.v2's UnmarshalStrict:
// unknown keys, repeated keys and wrong types are collected and reported together, each with its
// line ("yaml: unmarshal errors:\n  line 5: field foo not found in type main.testGroup"); a bad
// duration stops the decoding with model.ParseDuration's error.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "rules/unit_test_spec.hpp"

namespace sonde::config {

/// Test files larger than this are refused.
inline constexpr std::size_t kMaxRuleTestFileBytes = 32u << 20;

/// Decodes YAML text as promtool 2.42 decodes a test file. Never throws.
rules::UnitTestFileRead read_rule_test_text(std::string_view yaml);

/// Reads and decodes a file; an unreadable file gives Go's "open FILE: no such file or
/// directory" as promtool prints it.
rules::UnitTestFileRead read_rule_test_file(const std::filesystem::path& path);

}  // namespace sonde::config
