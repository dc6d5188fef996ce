// Internal to lib/config: the Reader that walks a parsed YAML tree, converts values strictly and
// collects every error with its position (at most core::Errors::kMax, then a count). Each config
// section is a short function over a Reader (see loader.cpp); collector sections are read from
// their key tables (collectors_section.cpp).
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/loader.hpp"
#include "core/result.hpp"

namespace sonde::config {

/// Longest regular expression accepted (see Reader::regex): filters and field patterns are short,
/// and an error message quotes the pattern.
inline constexpr std::size_t kMaxRegexBytes = 1024;

/// Go durations (time.ParseDuration, core/duration.hpp), as statsd_exporter's mapping file has
/// them ("5m", "1h30m", "1.5s"). sonde's own config takes Prometheus durations (parse_duration:
/// "1d" and "2w" but no fractions), as Prometheus's files do: each file keeps its upstream's format.
using core::parse_go_duration;

/// Ok if core::Regex (RE2) compiles `pattern`; else the reason alone (the caller quotes the
/// pattern itself).
core::Status check_regex(std::string_view pattern);

/// Joins a dotted key path: join("collectors", "cpu") == "collectors.cpu", join("", "web") ==
/// "web".
std::string join(std::string_view parent, std::string_view key);

/// `s` in double quotes, with quotes, backslashes and control characters escaped, shortened to
/// 60 characters and "...".
std::string quote(std::string_view s);

/// Describes what a node holds for "expected X, got Y": `a map`, `a list`, `an empty value` or the
/// scalar in quotes (escaped and shortened).
std::string describe(const YAML::Node& node);

/// Walks one YAML document. Every reader method takes a map node, its dotted path and a key; it
/// does nothing when the key is absent (the default stays), and on a bad value records an error
/// and leaves `out` unchanged, so one pass finds every error. Methods never throw.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  /// Records an error at `at`'s position ("file:line:column: path: message").
  void fail(const YAML::Node& at, std::string path, std::string message);
  /// Records an error at a mark (from a YAML::Exception); a null mark gives no line or column.
  void fail_at(const YAML::Mark& mark, std::string path, std::string message);
  /// True once core::Errors::kMax errors are held: a loop over a map may call count_more() for
  /// each further problem instead of building its message.
  bool full() const { return errors_.full(); }
  void count_more() { errors_.add({}); }
  /// Every error so far, in document order.
  core::Errors take_errors() {
    errors_.sort_by_position();
    return std::move(errors_);
  }
  /// Records every key only_keys() is asked to allow, as a dotted path ("collectors.cpu.guest"),
  /// into `out`: the schema, for accepted_keys().
  void record_keys(std::vector<std::string>* out) { schema_ = out; }

  /// Checks that `node` is a map whose keys are all in `allowed`, each at most once; reports each
  /// offender at the key. A null node (absent, or a section with all its keys commented out) is an
  /// empty map. Returns false when `node` is not a map: the caller skips its fields.
  bool only_keys(const YAML::Node& node, const std::string& path,
                 std::initializer_list<std::string_view> allowed) {
    return only_keys(node, path,
                     std::span<const std::string_view>(allowed.begin(), allowed.size()));
  }
  bool only_keys(const YAML::Node& node, const std::string& path,
                 std::span<const std::string_view> allowed);

  /// The value under `key`, or a null node when absent (so a sub-section reads as empty).
  YAML::Node child(const YAML::Node& map, std::string_view key) const;

  void boolean(const YAML::Node& map, const std::string& path, std::string_view key, bool& out);

  /// A decimal integer in [min, max].
  template <std::integral T>
  void integer(const YAML::Node& map, const std::string& path, std::string_view key, T& out,
               std::int64_t min, std::int64_t max) {
    if (auto v = integer_value(map, path, key, min, max)) out = static_cast<T>(*v);
  }

  /// A Prometheus duration of at least `min` and at most `max`.
  void duration(const YAML::Node& map, const std::string& path, std::string_view key,
                core::Millis& out, core::Millis min, core::Millis max = core::Millis::max());

  /// A regular expression of at most kMaxRegexBytes that core::Regex (RE2) compiles.
  void regex(const YAML::Node& map, const std::string& path, std::string_view key,
             std::string& out);

  /// An absolute filesystem path.
  void path(const YAML::Node& map, const std::string& path, std::string_view key,
            std::filesystem::path& out);

  /// One of a fixed set of names, e.g. {{"text", LogFormat::text}, {"json", LogFormat::json}}.
  template <class E>
  void choice(const YAML::Node& map, const std::string& path, std::string_view key, E& out,
              std::initializer_list<std::pair<std::string_view, E>> options) {
    std::vector<std::string_view> names;
    for (const auto& o : options) names.push_back(o.first);
    if (auto i = choice_index(map, path, key, names)) out = (options.begin() + *i)->second;
  }
  template <class E, std::size_t N>
  void choice(const YAML::Node& map, const std::string& path, std::string_view key, E& out,
              const std::array<std::pair<std::string_view, E>, N>& options) {
    std::vector<std::string_view> names;
    for (const auto& o : options) names.push_back(o.first);
    if (auto i = choice_index(map, path, key, names)) out = options[*i].second;
  }

  /// A scalar's text and its node (for errors about the text).
  struct Text {
    std::string value;
    YAML::Node node;
  };
  /// Any scalar as text (quoted or not), for values with their own syntax. Reports non-scalars.
  /// `expected` names the value's form in the error for a non-scalar.
  std::optional<Text> string(const YAML::Node& map, const std::string& path, std::string_view key,
                             std::string_view expected = "a string");

 private:
  // Nodes are only ever copy-constructed here: yaml-cpp's Node::operator= writes through to the
  // referenced node instead of rebinding.
  struct Found {
    YAML::Node key;
    YAML::Node value;
    /// Where to point for an error about the value: the value, or for an empty value (whose
    /// mark yaml-cpp puts at the next token) the key.
    const YAML::Node& at() const;
  };
  std::optional<Found> find(const YAML::Node& map, std::string_view key) const;
  std::optional<Found> scalar(const YAML::Node& map, const std::string& path, std::string_view key,
                              std::string_view expected);
  std::optional<std::int64_t> integer_value(const YAML::Node& map, const std::string& path,
                                            std::string_view key, std::int64_t min,
                                            std::int64_t max);
  std::optional<std::size_t> choice_index(const YAML::Node& map, const std::string& path,
                                          std::string_view key,
                                          const std::vector<std::string_view>& names);

  std::string file_;
  core::Errors errors_;
  std::vector<std::string>* schema_ = nullptr;
};

/// Parses `yaml` (syntax errors, more than one document, nesting too deep: errors in `r`) and
/// calls `read` with its root (a null node for an empty document).
void parse_yaml(Reader& r, std::string_view yaml,
                const std::function<void(const YAML::Node&)>& read);

}  // namespace sonde::config
