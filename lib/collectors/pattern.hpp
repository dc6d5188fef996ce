// Regex options of the collectors (device include/exclude, mount point and fs type exclusion),
// compiled once. The config loader rejects a bad pattern; one that gets here anyway (a test, a
// caller that skipped the loader) makes every collect fail with its error instead of throwing.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sonde::collectors {

/// An optional ECMAScript regex, searched unanchored as Go's MatchString (node_exporter's filters).
class Pattern {
 public:
  /// An empty pattern text means "no pattern": empty() is true and search() is never true.
  /// `what` names the option in errors ("diskstats.device_exclude").
  Pattern(std::string what, const std::string& text);

  bool empty() const { return !re_ && error_.empty(); }
  /// Non-empty when the text did not compile.
  const std::string& error() const { return error_; }
  /// Whether the regex matches somewhere in `s`. Fails if it did not compile, or on libstdc++'s
  /// error_complexity / error_stack for a pathological pattern.
  core::Result<bool> search(std::string_view s) const;

 private:
  std::string what_;
  std::optional<std::regex> re_;
  std::string error_;
};

/// node_exporter's deviceFilter: with an include pattern only matching devices are kept,
/// otherwise devices matching the exclude pattern are dropped. The loader makes the two
/// mutually exclusive; if both are set here, include wins.
class DeviceFilter {
 public:
  DeviceFilter(std::string_view collector, const std::string& include, const std::string& exclude);
  /// Compile errors of either pattern, or empty.
  core::Status valid() const;
  core::Result<bool> ignored(std::string_view device) const;

 private:
  Pattern include_;
  Pattern exclude_;
};

}  // namespace sonde::collectors
