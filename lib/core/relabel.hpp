// Prometheus relabelling as a pure function over label sets, for alert relabelling and
// remote-write relabelling. Semantics and error wording are Prometheus 2.42's
// (model/relabel/relabel.go): the same actions, defaults, anchoring, `$1`/`${1}`/`$name`
// expansion (Go's regexp.Expand) and the same md5 for hashmod, so a relabel_configs block that
// works in Prometheus works here.
//
// As in 2.42 (fixed in later releases), a replace whose expanded target is not a label name, or
// whose expanded replacement is empty, deletes the label named by target_label as written.
//
// Known differences: lowercase/uppercase map ASCII letters only (Go maps all of Unicode); a `$name`
// reference ends at the first byte that is not an ASCII letter, digit or '_' (Go also takes
// Unicode letters and digits into the name).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/regex.hpp"
#include "core/result.hpp"

namespace sonde::core {

/// A label set: names sorted and unique. A label with an empty value is the same as no label
/// (setting one to "" deletes it, as Prometheus's labels.Builder does).
using LabelSet = std::map<std::string, std::string, std::less<>>;

enum class RelabelAction {
  replace,
  keep,
  drop,
  keepequal,
  dropequal,
  hashmod,
  labelmap,
  labeldrop,
  labelkeep,
  lowercase,
  uppercase,
};

/// The action named `name` (case-insensitive, as Prometheus reads it), or
/// `unknown relabel action "name"`.
Result<RelabelAction> parse_relabel_action(std::string_view name);
std::string_view to_string(RelabelAction action);

/// One entry of relabel_configs. Defaults are Prometheus's DefaultRelabelConfig.
struct RelabelConfig {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  /// Anchored (Anchor::full). Unset means the default "(.*)"; the keepequal and dropequal
  /// actions require it unset, as Prometheus requires the default regex object.
  std::optional<Regex> regex;
  std::uint64_t modulus = 0;
  std::string target_label;
  std::string replacement = "$1";
  RelabelAction action = RelabelAction::replace;

  bool operator==(const RelabelConfig&) const = default;
};

/// Prometheus's Config.Validate, with its messages (e.g. `relabel configuration for hashmod
/// requires non-zero modulus`, `"0${3}" is invalid 'target_label' for replace action`).
Status validate(const RelabelConfig& config);

/// Applies `configs` in order. Returns the new label set, or nothing when a keep, drop, keepequal
/// or dropequal step drops it. Precondition: every config passed validate().
std::optional<LabelSet> relabel(LabelSet labels, const std::vector<RelabelConfig>& configs);

/// The groups of a match of `re` against `subject` (group 0 the whole match; nullopt for a group
/// that did not take part), or nothing when it does not match. Anchoring is the regex's own.
std::optional<std::vector<std::optional<std::string_view>>> match_groups(const Regex& re,
                                                                         std::string_view subject);

/// Go's regexp.Expand over one match: `$1`, `${1}`, `$name`, `${name}` are replaced by the
/// group's text (empty when the group did not take part or does not exist; `$1x` names the group
/// "1x"), `$$` is a `$`, and a `$` that starts no valid reference is kept as it is.
/// `groups[i]` is group i's text, or nullopt when it did not take part.
std::string expand_template(std::string_view tmpl,
                            const std::vector<std::optional<std::string_view>>& groups,
                            const std::map<std::string, int>& names);

/// Prometheus's label name syntax: [a-zA-Z_][a-zA-Z0-9_]*.
bool is_label_name(std::string_view name);

}  // namespace sonde::core
