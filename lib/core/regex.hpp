// The one regular-expression type of sonde: RE2 (linear time, bounded memory, Go's syntax), so a
// hostile pattern or subject can neither backtrack exponentially nor overflow the stack.
//
// Two ways to match, because sonde's peers use both:
// - Anchor::full: Prometheus anchors every regex it takes (PromQL =~ and !~, relabelling,
//   statsd_exporter regex mappings) as `^(?:pattern)$`. Capture groups keep their numbers.
// - Anchor::none: node_exporter's collector filters (--collector.*.device-exclude, vmstat fields)
//   use Go's MatchString, which finds the pattern anywhere in the subject.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace re2 {
class RE2;
}

namespace sonde::core {

class Regex {
 public:
  enum class Anchor { full, none };

  /// Compiles `pattern` (RE2/Go syntax, UTF-8). The error message is RE2's ("missing ): ...").
  static Result<Regex> compile(std::string_view pattern, Anchor anchor = Anchor::full);

  /// A regex that matches everything (".*", anchored).
  Regex();

  /// Full match for Anchor::full, a match anywhere for Anchor::none.
  bool matches(std::string_view subject) const;

  /// The pattern as the user wrote it (without the anchoring added here).
  const std::string& pattern() const { return pattern_; }
  Anchor anchor() const { return anchor_; }
  /// Number of capturing groups of the user's pattern.
  int groups() const;
  /// The compiled RE2, for substitution with capture groups (relabelling, label_replace).
  const re2::RE2& re2() const { return *re_; }

  bool operator==(const Regex& o) const { return pattern_ == o.pattern_ && anchor_ == o.anchor_; }

 private:
  Regex(std::shared_ptr<const re2::RE2> re, std::string pattern, Anchor anchor)
      : re_(std::move(re)), pattern_(std::move(pattern)), anchor_(anchor) {}

  std::shared_ptr<const re2::RE2> re_;  // immutable and thread safe: copies share it
  std::string pattern_;
  Anchor anchor_ = Anchor::full;
};

}  // namespace sonde::core
