// Decodes a rule file the way Prometheus 2.42's rulefmt.Parse does with yaml.v3: first into the
// typed structures with KnownFields (unknown keys, type mismatches and duplicate keys are
// collected as "unmarshal errors"; an UnmarshalYAML failure such as a bad duration stops the
// decoding), then a second time into raw nodes (which reports some problems again).
#include "config/rule_file.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>

#include "config/loader.hpp"
#include "config/reader.hpp"
#include "config/yaml_tree.hpp"
#include "core/quote.hpp"
#include "core/read_file.hpp"

namespace sonde::config {
namespace {

using rules::RuleFileRead;
using rules::SpecPos;
using rules::SpecText;
using rules::YamlProblem;
using yaml_tree::Node;
using yaml_tree::pos_of;
using yaml_tree::TreeBuilder;

int line_of(const Node& n) { return pos_of(n).line; }

bool is_plain(const Node& n) { return n.Tag() == "?"; }

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}
bool dec(char c) { return c >= '0' && c <= '9'; }
bool dec_(char c) { return dec(c) || c == '_'; }
bool hex_(char c) { return dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '_'; }

// yaml.v3's resolution of an untagged plain scalar (resolve.go), enough to name the tag in
// "cannot unmarshal !!bool `true` into int".
bool plain_int(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return all_of(s.substr(2), hex_);
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'b')) return all_of(s.substr(2), dec);
  return !s.empty() && dec(s[0]) && all_of(s, dec_);
}

bool plain_float(std::string_view s) {
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF" ||
      s == "-.inf" || s == "-.Inf" || s == "-.INF" || s == ".nan" || s == ".NaN" || s == ".NAN") {
    return true;
  }
  return yaml_tree::yaml_style_float(s);
}

bool plain_bool(std::string_view s) {
  return s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE";
}

std::string short_tag(const Node& n) {
  switch (n.kind) {
    case Node::Kind::map:
      return "!!map";
    case Node::Kind::sequence:
      return "!!seq";
    case Node::Kind::null:
      return "!!null";
    case Node::Kind::scalar:
      break;
  }
  const std::string& tag = n.Tag();
  constexpr std::string_view kStd = "tag:yaml.org,2002:";
  if (tag.rfind(kStd, 0) == 0) return "!!" + tag.substr(kStd.size());
  if (tag == "!") return "!!str";
  if (tag != "?") return tag;
  const std::string& s = n.Scalar();
  if (plain_bool(s)) return "!!bool";
  if (plain_int(s)) return "!!int";
  if (plain_float(s)) return "!!float";
  return "!!str";
}

// Go's %#v of a string (strconv.Quote), for "mapping key %#v already defined".
std::string go_quote(std::string_view s) { return core::quote(s, std::string_view::npos); }

// yaml.v3's allowedAliasRatio: the share of its decodes that aliases may drive, 99% up to
// 400,000 decodes, scaling down to 10% at 4,000,000.
double allowed_alias_ratio(double decodes) {
  constexpr double kLow = 400'000;
  constexpr double kHigh = 4'000'000;
  if (decodes <= kLow) return 0.99;
  if (decodes >= kHigh) return 0.10;
  return 0.99 - 0.89 * ((decodes - kLow) / (kHigh - kLow));
}

struct Fatal {
  YamlProblem problem;
};

class Decoder {
 public:
  explicit Decoder(bool known_fields) : known_fields_(known_fields) {}

  std::vector<YamlProblem> take() { return std::move(errors_); }

  // yaml.v3 counts each of its unmarshal calls and fails a document whose aliases drive too
  // many of them ("billion laughs": `a: &a [x, x]`, `b: &b [*a, *a]`, ... decoded where the
  // schema reaches them). `via_alias`: this node is reached through an alias, which yaml.v3
  // decodes twice (the alias node, then its target, below the alias).
  template <class F>
  void decode(bool via_alias, F&& f) {
    tick();
    if (!via_alias) {
      f();
      return;
    }
    ++alias_depth_;
    tick();
    f();
    --alias_depth_;
  }

  // yaml.v3's d.terror.
  void type_error(const Node& n, std::string_view into) {
    const std::string tag = short_tag(n);
    std::string value;
    if (tag != "!!seq" && tag != "!!map") {
      const std::string& text = n.IsScalar() ? n.Scalar() : std::string();
      value = text.size() > 10 ? " `" + text.substr(0, 7) + "...`" : " `" + text + "`";
    }
    errors_.push_back({line_of(n), pos_of(n).column,
                       "cannot unmarshal " + tag + value + " into " + std::string(into), true});
  }

  // The duplicate-key check yaml.v3 makes on every mapping it decodes; false when it failed
  // (the mapping is then not decoded further).
  bool unique_keys(const Node& map) {
    bool ok = true;
    for (std::size_t i = 0; i < map.pairs(); ++i) {
      const Node& a = map.key(i);
      for (std::size_t j = i + 1; j < map.pairs(); ++j) {
        const Node& b = map.key(j);
        if (a.kind == b.kind && a.IsScalar() && a.Scalar() == b.Scalar()) {
          errors_.push_back({line_of(b), pos_of(b).column,
                             "mapping key " + go_quote(a.Scalar()) + " already defined at line " +
                                 std::to_string(line_of(a)),
                             true});
          ok = false;
        }
      }
    }
    return ok;
  }

  void unknown_field(const Node& key, std::string_view type) {
    if (!known_fields_) return;
    errors_.push_back({line_of(key), pos_of(key).column,
                       "field " + (key.IsScalar() ? key.Scalar() : std::string()) +
                           " not found in type " + std::string(type),
                       true});
  }

  void string(const Node& n, std::string& out) {
    if (!n.decode_string(out)) type_error(n, "string");
  }

  // model.Duration's UnmarshalYAML: the value as a string, then model.ParseDuration, whose
  // failure ends the decoding.
  void duration(const Node& n, std::chrono::milliseconds& out) {
    if (n.IsNull()) {
      out = std::chrono::milliseconds{0};
      return;
    }
    if (!n.IsScalar()) {
      type_error(n, "string");
      return;
    }
    tick();  // UnmarshalYAML's own unmarshal into a string
    const std::string& text = n.Scalar();
    if (text.empty()) throw Fatal{{line_of(n), pos_of(n).column, "empty duration string", false}};
    const auto d = parse_duration(text);
    if (d) {
      out = *d;
      return;
    }
    if (d.error() == DurationError::overflow) {
      throw Fatal{{line_of(n), pos_of(n).column, "duration out of range", false}};
    }
    throw Fatal{
        {line_of(n), pos_of(n).column, "not a valid duration string: " + go_quote(text), false}};
  }

  void integer(const Node& n, std::int64_t& out) {
    if (n.IsNull()) {
      out = 0;
      return;
    }
    if (n.IsScalar() && is_plain(n)) {
      const std::string& s = n.Scalar();
      if (plain_int(s)) {
        std::string digits;
        for (char c : s) {
          if (c != '_') digits += c;
        }
        errno = 0;
        char* end = nullptr;
        const long long v = std::strtoll(digits.c_str(), &end, 0);
        if (errno == 0 && end != nullptr && *end == '\0') {
          out = v;
          return;
        }
      } else if (plain_float(s) && s.find("inf") == std::string::npos &&
                 s.find("Inf") == std::string::npos && s.find("INF") == std::string::npos &&
                 s.find("nan") == std::string::npos && s.find("NaN") == std::string::npos &&
                 s.find("NAN") == std::string::npos) {
        const double v = std::strtod(s.c_str(), nullptr);
        if (v <= 9.2e18 && v >= -9.2e18) {  // yaml.v3 truncates a float that fits in an int
          out = static_cast<std::int64_t>(v);
          return;
        }
      }
    }
    type_error(n, "int");
  }

  void labels(const Node& n, std::vector<rules::SpecPair>& out) {
    out.clear();
    if (n.IsNull()) return;
    if (!n.IsMap()) {
      type_error(n, "map[string]string");
      return;
    }
    if (!unique_keys(n)) return;
    for (std::size_t i = 0; i < n.pairs(); ++i) {
      const Node& key = n.key(i);
      const Node& value = n.val(i);
      rules::SpecPair pair;
      pair.name.pos = pos_of(key);
      decode(n.key_aliased(i), [&] { string(key, pair.name.value); });
      pair.value.pos = pos_of(value);
      decode(n.val_aliased(i), [&] { string(value, pair.value.value); });
      out.push_back(std::move(pair));
    }
  }

  // A field Prometheus keeps as a raw yaml.Node: anything decodes; its Value is the scalar's
  // text, empty for a list or a map.
  static void raw(const Node& n, SpecText& out) {
    out.pos = pos_of(n);
    out.value = n.IsScalar() ? n.Scalar() : std::string();
  }

  // A mapping decoded into a Go struct: `field(name, value)` takes a known key and returns true;
  // other keys are unknown fields of `type`. False when `n` is not a map (null is an empty one).
  template <class F>
  void fields(const Node& n, std::string_view type, F&& field) {
    if (n.IsNull()) return;
    if (!n.IsMap()) {
      type_error(n, type);
      return;
    }
    if (!unique_keys(n)) return;
    for (std::size_t i = 0; i < n.pairs(); ++i) {
      const Node& key = n.key(i);
      decode(n.key_aliased(i), [] {});  // the key, into a string
      bool known = false;
      decode(n.val_aliased(i),
             [&] { known = field(key.IsScalar() ? key.Scalar() : std::string(), n.val(i)); });
      if (!known) unknown_field(key, type);
    }
  }

  // A sequence decoded into a Go slice of `type`; `item(node)` decodes one element.
  template <class F>
  void list(const Node& n, std::string_view type, F&& item) {
    if (n.IsNull()) return;
    if (!n.IsSequence()) {
      type_error(n, type);
      return;
    }
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      decode(n.aliased[i], [&] { item(*n.children[i]); });
    }
  }

  void rule(const Node& n, rules::RuleSpec& out) {
    out.pos = pos_of(n);
    fields(n, "rulefmt.RuleNode", [&](const std::string& name, const Node& value) {
      if (name == "record") {
        raw(value, out.record);
      } else if (name == "alert") {
        raw(value, out.alert);
      } else if (name == "expr") {
        raw(value, out.expr);
      } else if (name == "for") {
        duration(value, out.for_duration);
      } else if (name == "keep_firing_for") {
        duration(value, out.keep_firing_for);
      } else if (name == "labels") {
        labels(value, out.labels);
      } else if (name == "annotations") {
        labels(value, out.annotations);
      } else {
        return false;
      }
      return true;
    });
  }

  void group(const Node& n, rules::GroupSpec& out) {
    out.pos = pos_of(n);
    fields(n, "rulefmt.RuleGroup", [&](const std::string& name, const Node& value) {
      if (name == "name") {
        out.name.pos = pos_of(value);
        string(value, out.name.value);
      } else if (name == "interval") {
        duration(value, out.interval);
      } else if (name == "limit") {
        integer(value, out.limit);
      } else if (name == "rules") {
        out.rules.clear();
        list(value, "[]rulefmt.RuleNode",
             [&](const Node& item) { rule(item, out.rules.emplace_back()); });
      } else {
        return false;
      }
      return true;
    });
  }

  // First pass: into rulefmt.RuleGroups. yaml.v3 leaves the struct empty for a top-level list.
  void document(const Node& root, rules::RuleFileSpec& out) {
    tick();  // the document node
    tick();  // its content
    if (root.IsSequence()) return;
    fields(root, "rulefmt.RuleGroups", [&](const std::string& name, const Node& value) {
      if (name != "groups") return false;
      out.groups.clear();
      list(value, "[]rulefmt.RuleGroup",
           [&](const Node& item) { group(item, out.groups.emplace_back()); });
      return true;
    });
  }

  // Second pass: into rulefmt's ruleGroups{Groups []yaml.Node}, without KnownFields.
  void raw_document(const Node& root) {
    if (root.IsSequence()) return;
    fields(root, "rulefmt.ruleGroups", [&](const std::string& name, const Node& value) {
      if (name == "groups" && !value.IsNull() && !value.IsSequence()) {
        type_error(value, "[]yaml.Node");
      }
      return true;
    });
  }

 private:
  void tick() {
    ++decodes_;
    if (alias_depth_ > 0) ++alias_decodes_;
    if (alias_decodes_ > 100 && decodes_ > 1000 &&
        alias_decodes_ / decodes_ > allowed_alias_ratio(decodes_)) {
      throw Fatal{{0, 0, "yaml: document contains excessive aliasing", false}};
    }
  }

  bool known_fields_;
  std::vector<YamlProblem> errors_;
  double decodes_ = 0;
  double alias_decodes_ = 0;
  int alias_depth_ = 0;
};

}  // namespace

rules::RuleFileRead read_rule_text(std::string_view yaml) {
  RuleFileRead out;
  TreeBuilder tree;
  if (const auto bad = yaml_tree::parse_first_document(yaml, tree)) {
    YamlProblem p{bad->line, bad->column, bad->message, false};
    out.problems.push_back(p);
    out.second_pass.push_back(std::move(p));
    return out;
  }
  const Node& root = tree.root();
  Decoder first(true);
  try {
    first.document(root, out.spec);
    out.problems = first.take();
  } catch (const Fatal& f) {
    out.problems = {f.problem};
  }
  Decoder second(false);
  second.raw_document(root);
  out.second_pass = second.take();
  return out;
}

core::Result<rules::RuleFileRead> read_rule_file(const std::filesystem::path& path) {
  auto text = core::read_text(path, kMaxRuleFileBytes);
  if (!text) return text.error();
  return read_rule_text(*text);
}

}  // namespace sonde::config
