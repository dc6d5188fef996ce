// Regex options of the collectors (device include/exclude, mount point and fs type exclusion,
// vmstat fields), compiled once with core::Regex (RE2, searched unanchored as node_exporter's Go
// MatchString). The config loader rejects a bad pattern; one that gets here anyway (a test, a
// caller that skipped the loader) makes every collect fail with its error instead of throwing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/regex.hpp"
#include "core/result.hpp"

namespace sonde::collectors {

/// An optional regex (RE2 syntax), matched anywhere in the subject as Go's MatchString.
class Pattern {
 public:
  /// An empty pattern text means "no pattern": empty() is true and search() is never true.
  /// `what` names the option in errors ("diskstats.device_exclude").
  Pattern(std::string what, const std::string& text);

  bool empty() const { return !re_ && error_.empty(); }
  /// Non-empty when the text did not compile.
  const std::string& error() const { return error_; }
  /// Compile error (with the option's name), or ok.
  core::Status valid() const;
  /// Whether the regex matches somewhere in `s` (false for no pattern, or one that did not
  /// compile: check valid() first). RE2 runs in linear time and cannot fail at match time.
  bool search(std::string_view s) const { return re_ && re_->matches(s); }

 private:
  std::optional<core::Regex> re_;
  std::string error_;
};

/// Remembers a fixed predicate's answer per subject (a regex filter asked about the same /proc
/// field names every cycle). Bounded: past kMax subjects new ones are computed, not stored. One
/// thread at a time (a collector's own member, used from its strand).
class MatchMemo {
 public:
  static constexpr std::size_t kMax = 4096;
  template <class F>
  bool get(std::string_view subject, F&& compute) {
    if (const auto it = memo_.find(subject); it != memo_.end()) return it->second;
    const bool v = compute(subject);
    if (memo_.size() < kMax) memo_.emplace(std::string(subject), v);
    return v;
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, bool, Hash, std::equal_to<>> memo_;
};

/// node_exporter's deviceFilter: with an include pattern only matching devices are kept,
/// otherwise devices matching the exclude pattern are dropped. The loader makes the two
/// mutually exclusive; if both are set here, include wins.
class DeviceFilter {
 public:
  DeviceFilter(std::string_view collector, const std::string& include, const std::string& exclude);
  /// Compile errors of either pattern, or empty.
  core::Status valid() const;
  bool ignored(std::string_view device) const;

 private:
  Pattern include_;
  Pattern exclude_;
};

}  // namespace sonde::collectors
