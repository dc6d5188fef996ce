#include "config/reader.hpp"

#include <charconv>
#include <exception>

#include "core/quote.hpp"
#include "core/regex.hpp"

namespace sonde::config {
namespace {

// yaml-cpp marks quoted and block scalars with the non-specific tag "!", and plain ones with "?".
// YAML says a quoted scalar is a string, so `enabled: "true"` is not a boolean.
bool is_quoted(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  return tag == "!" || tag == "tag:yaml.org,2002:str";
}

}  // namespace

std::string quote(std::string_view s) { return core::quote(s); }

namespace {

std::string join_names(const std::vector<std::string_view>& names, std::string_view last_sep) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? last_sep : std::string_view(", ");
    out += names[i];
  }
  return out;
}

constexpr std::string_view kDurationExpected = "a duration such as 5s, 1m30s or 500ms";

}  // namespace

core::Status check_regex(std::string_view pattern) {
  auto re = core::Regex::compile(pattern, core::Regex::Anchor::none);
  if (re.ok()) return core::ok();
  // core::Regex says `invalid regular expression "<pattern>": <RE2's reason>`; the caller quotes
  // the pattern itself (escaped and shortened), so keep only the reason.
  const std::string& message = re.message();
  const std::string prefix = "invalid regular expression \"" + std::string(pattern) + "\": ";
  return core::error(message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message);
}

std::string join(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string describe(const YAML::Node& node) {
  try {
    switch (node.Type()) {
      case YAML::NodeType::Map:
        return "a map";
      case YAML::NodeType::Sequence:
        return "a list";
      case YAML::NodeType::Scalar:
        return quote(node.Scalar());
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return "an empty value";
    }
  } catch (const YAML::Exception&) {
  }
  return "an unreadable value";
}

void Reader::fail(const YAML::Node& at, std::string path, std::string message) {
  if (full()) {
    count_more();
    return;
  }
  YAML::Mark mark = YAML::Mark::null_mark();
  try {
    mark = at.Mark();  // throws for an invalid (zombie) node
  } catch (const YAML::Exception&) {
  }
  fail_at(mark, std::move(path), std::move(message));
}

void Reader::fail_at(const YAML::Mark& mark, std::string path, std::string message) {
  // YAML::Mark is 0-based; ours are 1-based with 0 for "unknown".
  const int line = mark.is_null() ? 0 : mark.line + 1;
  const int column = mark.is_null() ? 0 : mark.column + 1;
  errors_.add({file_, line, column, std::move(path), std::move(message)});
}

const YAML::Node& Reader::Found::at() const { return value.IsNull() ? key : value; }

bool Reader::only_keys(const YAML::Node& node, const std::string& path,
                       std::span<const std::string_view> allowed) {
  if (schema_) {
    for (const auto name : allowed) schema_->push_back(join(path, name));
  }
  try {
    if (!node.IsDefined() || node.IsNull()) return true;
    if (!node.IsMap()) {
      fail(node, path, "expected a map, got " + describe(node));
      return false;
    }
    const std::vector<std::string_view> names(allowed.begin(), allowed.end());
    std::vector<std::pair<std::string, int>> seen;  // name, line of first occurrence
    for (const auto& entry : node) {
      // Copied: yaml-cpp iterators yield temporaries, and references into them dangle.
      const YAML::Node key = entry.first;
      if (!key.IsScalar()) {
        fail(key, path, "expected a key name, got " + describe(key));
        continue;
      }
      const std::string& name = key.Scalar();
      bool known = false;
      for (const auto a : names) known = known || a == name;
      if (!known && full()) {
        // Past kMax errors only the count grows: a hostile file of a million unknown keys costs
        // one pass and no messages.
        count_more();
        continue;
      }
      if (!known) {
        fail(key, path,
             "unknown key " + quote(name) + "; expected one of: " + join_names(names, ", "));
        continue;
      }
      const int line = key.Mark().line + 1;
      bool duplicate = false;
      for (const auto& [n, first_line] : seen) {
        if (n == name) {
          // yaml-cpp keeps both and lookups see only the first: a silent surprise otherwise.
          fail(key, path,
               "duplicate key " + quote(name) + " (first at line " + std::to_string(first_line) +
                   ")");
          duplicate = true;
          break;
        }
      }
      if (!duplicate) seen.emplace_back(name, line);
    }
    return true;
  } catch (const YAML::Exception& e) {
    fail(node, path, std::string("unreadable map: ") + e.what());
    return false;
  }
}

std::optional<Reader::Found> Reader::find(const YAML::Node& map, std::string_view key) const {
  try {
    if (!map.IsMap()) return std::nullopt;
    for (const auto& entry : map) {
      if (entry.first.IsScalar() && entry.first.Scalar() == key) {
        return Found{entry.first, entry.second};
      }
    }
  } catch (const YAML::Exception&) {
  }
  return std::nullopt;
}

YAML::Node Reader::child(const YAML::Node& map, std::string_view key) const {
  if (auto f = find(map, key)) return f->value;
  return YAML::Node{};
}

std::optional<Reader::Found> Reader::scalar(const YAML::Node& map, const std::string& path,
                                            std::string_view key, std::string_view expected) {
  auto f = find(map, key);
  if (!f) return std::nullopt;
  if (!f->value.IsScalar()) {
    fail(f->at(), join(path, key),
         "expected " + std::string(expected) + ", got " + describe(f->value));
    return std::nullopt;
  }
  return f;
}

void Reader::boolean(const YAML::Node& map, const std::string& path, std::string_view key,
                     bool& out) {
  constexpr std::string_view kExpected = "true or false";
  const auto f = scalar(map, path, key, kExpected);
  if (!f) return;
  const std::string& text = f->value.Scalar();
  // Only YAML 1.2's spellings: yaml-cpp would also take yes/no/on/off/y/n, which YAML 1.2 and
  // Go's yaml.v3 read as strings, so a config meant for one would mean something else to another.
  if (!is_quoted(f->value) && (text == "true" || text == "false")) {
    out = text == "true";
    return;
  }
  fail(f->value, join(path, key),
       std::string("expected true or false, got ") +
           (is_quoted(f->value) ? "a quoted string " : "") + describe(f->value));
}

std::optional<std::int64_t> Reader::integer_value(const YAML::Node& map, const std::string& path,
                                                  std::string_view key, std::int64_t min,
                                                  std::int64_t max) {
  const std::string range = "between " + std::to_string(min) + " and " + std::to_string(max);
  const auto f = scalar(map, path, key, "an integer " + range);
  if (!f) return std::nullopt;
  const std::string& text = f->value.Scalar();
  const std::string p = join(path, key);
  // Decimal only: "0x10", "1e3", "1_000" and "010" (octal in YAML 1.1) are all ambiguous.
  bool decimal = !text.empty() && !is_quoted(f->value);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    decimal = decimal && ((c >= '0' && c <= '9') || (i == 0 && c == '-' && text.size() > 1));
  }
  if (decimal) {
    const std::size_t digits = text.size() - (text[0] == '-' ? 1 : 0);
    decimal = digits == 1 || text[text.size() - digits] != '0';
  }
  if (!decimal) {
    fail(f->value, p,
         "expected an integer " + range + ", got " +
             (is_quoted(f->value) ? "a quoted string " : "") + describe(f->value));
    return std::nullopt;
  }
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < min || v > max) {
    fail(f->value, p, "must be " + range + ", got " + text);
    return std::nullopt;
  }
  return v;
}

void Reader::duration(const YAML::Node& map, const std::string& path, std::string_view key,
                      core::Millis& out, core::Millis min, core::Millis max) {
  const auto f = scalar(map, path, key, kDurationExpected);
  if (!f) return;
  const std::string p = join(path, key);
  const auto parsed = parse_duration(f->value.Scalar());
  if (!parsed) {
    switch (parsed.error()) {
      case DurationError::bad_syntax:
        fail(f->value, p,
             "expected " + std::string(kDurationExpected) + ", got " + describe(f->value));
        return;
      case DurationError::overflow:
        fail(f->value, p,
             "duration out of range (the limit is about 292y), got " + describe(f->value));
        return;
    }
  }
  const core::Millis v = *parsed;
  if (v < min) {
    fail(f->value, p, "must be at least " + format_duration(min) + ", got " + format_duration(v));
    return;
  }
  if (v > max) {
    fail(f->value, p, "must be at most " + format_duration(max) + ", got " + format_duration(v));
    return;
  }
  out = v;
}

void Reader::regex(const YAML::Node& map, const std::string& path, std::string_view key,
                   std::string& out) {
  const auto f = scalar(map, path, key, "a regular expression");
  if (!f) return;
  const std::string& text = f->value.Scalar();
  if (text.size() > kMaxRegexBytes) {
    fail(f->value, join(path, key),
         "regular expression longer than " + std::to_string(kMaxRegexBytes) + " bytes, got " +
             std::to_string(text.size()));
    return;
  }
  if (const auto st = check_regex(text); !st.ok()) {
    fail(f->value, join(path, key),
         "invalid regular expression " + describe(f->value) + ": " + st.message());
    return;
  }
  out = text;
}

void Reader::path(const YAML::Node& map, const std::string& path, std::string_view key,
                  std::filesystem::path& out) {
  const auto f = scalar(map, path, key, "an absolute path");
  if (!f) return;
  const std::string& text = f->value.Scalar();
  // Relative paths would depend on the daemon's working directory, which systemd sets to /.
  if (text.empty() || text.front() != '/') {
    fail(f->value, join(path, key), "must be an absolute path, got " + describe(f->value));
    return;
  }
  out = text;
}

std::optional<std::size_t> Reader::choice_index(const YAML::Node& map, const std::string& path,
                                                std::string_view key,
                                                const std::vector<std::string_view>& names) {
  const std::string expected = join_names(names, " or ");
  const auto f = scalar(map, path, key, expected);
  if (!f) return std::nullopt;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == f->value.Scalar()) return i;
  }
  fail(f->value, join(path, key), "expected " + expected + ", got " + describe(f->value));
  return std::nullopt;
}

std::optional<Reader::Text> Reader::string(const YAML::Node& map, const std::string& path,
                                           std::string_view key, std::string_view expected) {
  const auto f = scalar(map, path, key, expected);
  if (!f) return std::nullopt;
  return Text{f->value.Scalar(), f->value};
}

}  // namespace sonde::config
