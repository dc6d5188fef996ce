// Internal to lib/config: the Reader that walks a parsed YAML tree, converts values strictly and
// collects every error with its position. Each config section is a short function over a Reader
// (see loader.cpp); adding a section or an option is a line or two there.
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/loader.hpp"

namespace sonde::config {

/// Longest regular expression accepted (see Reader::regex).
inline constexpr std::size_t kMaxRegexBytes = 1024;

/// parse_duration with the reason for a failure, so the loader can say "out of range" apart
/// from "not a duration".
enum class DurationParse { ok, bad_syntax, overflow };
DurationParse parse_duration_checked(std::string_view text, core::Millis& out);

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
  std::vector<ConfigError> take_errors() { return std::move(errors_); }

  /// Checks that `node` is a map whose keys are all in `allowed`, each at most once; reports each
  /// offender at the key. A null node (absent, or a section with all its keys commented out) is an
  /// empty map. Returns false when `node` is not a map: the caller skips its fields.
  bool only_keys(const YAML::Node& node, const std::string& path,
                 std::initializer_list<std::string_view> allowed);

  /// The value under `key`, or a null node when absent (so a sub-section reads as empty).
  YAML::Node child(const YAML::Node& map, std::string_view key) const;

  void boolean(const YAML::Node& map, const std::string& path, std::string_view key, bool& out);

  /// A decimal integer in [min, max].
  template <std::integral T>
  void integer(const YAML::Node& map, const std::string& path, std::string_view key, T& out,
               std::int64_t min, std::int64_t max) {
    if (auto v = integer_value(map, path, key, min, max)) out = static_cast<T>(*v);
  }

  /// A Prometheus duration of at least `min`.
  void duration(const YAML::Node& map, const std::string& path, std::string_view key,
                core::Millis& out, core::Millis min);

  /// A regular expression of at most kMaxRegexBytes that std::regex (ECMAScript) compiles.
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
  std::vector<ConfigError> errors_;
};

}  // namespace sonde::config
