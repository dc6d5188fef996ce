#include "core/relabel.hpp"

#include <openssl/evp.h>
#include <re2/re2.h>

#include <array>
#include <cassert>
#include <utility>

#include "core/quote.hpp"

namespace sonde::core {
namespace {

constexpr std::string_view kDefaultSeparator = ";";
constexpr std::string_view kDefaultReplacement = "$1";

constexpr std::array<std::pair<std::string_view, RelabelAction>, 11> kActions{{
    {"replace", RelabelAction::replace},
    {"keep", RelabelAction::keep},
    {"drop", RelabelAction::drop},
    {"keepequal", RelabelAction::keepequal},
    {"dropequal", RelabelAction::dropequal},
    {"hashmod", RelabelAction::hashmod},
    {"labelmap", RelabelAction::labelmap},
    {"labeldrop", RelabelAction::labeldrop},
    {"labelkeep", RelabelAction::labelkeep},
    {"lowercase", RelabelAction::lowercase},
    {"uppercase", RelabelAction::uppercase},
}};

bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

const Regex& default_regex() {
  static const Regex re = *Regex::compile("(.*)");
  return re;
}

// Prometheus's relabelTarget: what a target_label with `$` (replace) or a labelmap replacement
// must look like once its references are expanded into word characters.
const Regex& relabel_target() {
  static const Regex re = *Regex::compile(R"((?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+)");
  return re;
}

/// A `$` reference at the start of `s` (just after the `$`), as Go's regexp.extract: the name,
/// its group number (-1 when not a number), and how many bytes it took; nothing when malformed.
struct Reference {
  std::string_view name;
  int number = -1;
  std::size_t length = 0;
};

std::optional<Reference> extract(std::string_view s) {
  if (s.empty()) return std::nullopt;
  const bool brace = s.front() == '{';
  std::size_t i = brace ? 1 : 0;
  const std::size_t begin = i;
  while (i < s.size() && is_word(s[i])) ++i;
  if (i == begin) return std::nullopt;  // an empty name is not a reference
  Reference ref;
  ref.name = s.substr(begin, i - begin);
  if (brace) {
    if (i >= s.size() || s[i] != '}') return std::nullopt;  // missing closing brace
    ++i;
  }
  ref.length = i;
  int num = 0;
  for (const char c : ref.name) {
    if (c < '0' || c > '9' || num >= 100'000'000) {
      num = -1;
      break;
    }
    num = num * 10 + (c - '0');
  }
  if (ref.name.front() == '0' && ref.name.size() > 1) num = -1;  // no leading zeros
  ref.number = num;
  return ref;
}

std::string expand(const Regex& re, std::string_view tmpl,
                   const std::vector<std::optional<std::string_view>>& groups) {
  if (tmpl.find('$') == std::string_view::npos) return std::string(tmpl);
  return expand_template(tmpl, groups, re.re2().NamedCapturingGroups());
}

void set(LabelSet& labels, const std::string& name, std::string value) {
  if (value.empty()) {
    labels.erase(name);
  } else {
    labels.insert_or_assign(name, std::move(value));
  }
}

std::string get(const LabelSet& labels, std::string_view name) {
  const auto it = labels.find(name);
  return it == labels.end() ? std::string() : it->second;
}

// md5 of the value, its last 8 bytes read big-endian, modulo `modulus` (Prometheus's hashmod).
std::uint64_t hash_mod(std::string_view value, std::uint64_t modulus) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  [[maybe_unused]] const int ok =
      EVP_Digest(value.data(), value.size(), digest, &size, EVP_md5(), nullptr);
  assert(ok == 1 && size == 16);
  std::uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = (v << 8) | digest[i];
  return v % modulus;
}

std::string invalid_target(const RelabelConfig& c) {
  return quote(c.target_label) + " is invalid 'target_label' for " +
         std::string(to_string(c.action)) + " action";
}

// One step; false when the label set is dropped.
bool apply(LabelSet& labels, const RelabelConfig& c) {
  const Regex& re = c.regex ? *c.regex : default_regex();
  std::string value;
  for (std::size_t i = 0; i < c.source_labels.size(); ++i) {
    if (i > 0) value += c.separator;
    value += get(labels, c.source_labels[i]);
  }
  switch (c.action) {
    case RelabelAction::drop:
      return !re.matches(value);
    case RelabelAction::keep:
      return re.matches(value);
    case RelabelAction::dropequal:
      return get(labels, c.target_label) != value;
    case RelabelAction::keepequal:
      return get(labels, c.target_label) == value;
    case RelabelAction::replace: {
      const auto groups = match_groups(re, value);
      if (!groups) return true;  // no match: no replacement
      // As 2.42 does it: an invalid target, or an empty result, deletes the label named by the
      // target_label text as written (not as expanded).
      const std::string target = expand(re, c.target_label, *groups);
      std::string result = expand(re, c.replacement, *groups);
      if (!is_label_name(target) || result.empty()) {
        labels.erase(c.target_label);
      } else {
        labels.insert_or_assign(target, std::move(result));
      }
      return true;
    }
    case RelabelAction::lowercase:
      for (char& ch : value) ch = ascii_lower(ch);
      set(labels, c.target_label, std::move(value));
      return true;
    case RelabelAction::uppercase:
      for (char& ch : value) ch = ascii_upper(ch);
      set(labels, c.target_label, std::move(value));
      return true;
    case RelabelAction::hashmod:
      set(labels, c.target_label, std::to_string(hash_mod(value, c.modulus)));
      return true;
    case RelabelAction::labelmap: {
      // Over the labels as they were before this step; the regex is anchored, so Go's
      // ReplaceAllString is one expansion over the whole name.
      const LabelSet before = labels;
      for (const auto& [name, v] : before) {
        const auto groups = match_groups(re, name);
        if (groups) set(labels, expand(re, c.replacement, *groups), v);
      }
      return true;
    }
    case RelabelAction::labeldrop:
    case RelabelAction::labelkeep: {
      const bool drop_matching = c.action == RelabelAction::labeldrop;
      for (auto it = labels.begin(); it != labels.end();) {
        if (re.matches(it->first) == drop_matching) {
          it = labels.erase(it);
        } else {
          ++it;
        }
      }
      return true;
    }
  }
  assert(false && "unknown relabel action");
  return true;
}

}  // namespace

Result<RelabelAction> parse_relabel_action(std::string_view name) {
  std::string lower(name);
  for (char& ch : lower) ch = ascii_lower(ch);
  for (const auto& [n, action] : kActions) {
    if (n == lower) return action;
  }
  return error("unknown relabel action " + quote(name));
}

std::string_view to_string(RelabelAction action) {
  for (const auto& [n, a] : kActions) {
    if (a == action) return n;
  }
  return "unknown";
}

bool is_label_name(std::string_view name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  for (const char c : name) {
    if (!is_word(c)) return false;
  }
  return true;
}

Status validate(const RelabelConfig& c) {
  using A = RelabelAction;
  const A a = c.action;
  const std::string action(to_string(a));
  const bool needs_target = a == A::replace || a == A::hashmod || a == A::lowercase ||
                            a == A::uppercase || a == A::keepequal || a == A::dropequal;
  const bool case_or_equal =
      a == A::lowercase || a == A::uppercase || a == A::keepequal || a == A::dropequal;
  if (c.regex && c.regex->anchor() != Regex::Anchor::full) {
    return error("relabel regex " + quote(c.regex->pattern()) + " must be anchored");
  }
  if (c.modulus == 0 && a == A::hashmod) {
    return error("relabel configuration for hashmod requires non-zero modulus");
  }
  if (needs_target && c.target_label.empty()) {
    return error("relabel configuration for " + action + " action requires 'target_label' value");
  }
  const bool has_dollar = c.target_label.find('$') != std::string::npos;
  if (a == A::replace && !has_dollar && !is_label_name(c.target_label)) {
    return error(invalid_target(c));
  }
  if (a == A::replace && has_dollar && !relabel_target().matches(c.target_label)) {
    return error(invalid_target(c));
  }
  if (case_or_equal && !is_label_name(c.target_label)) return error(invalid_target(c));
  if (case_or_equal && c.replacement != kDefaultReplacement) {
    return error("'replacement' can not be set for " + action + " action");
  }
  if (a == A::labelmap && !relabel_target().matches(c.replacement)) {
    return error(quote(c.replacement) + " is invalid 'replacement' for " + action + " action");
  }
  if (a == A::hashmod && !is_label_name(c.target_label)) return error(invalid_target(c));
  if ((a == A::dropequal || a == A::keepequal) &&
      (c.regex || c.modulus != 0 || c.separator != kDefaultSeparator ||
       c.replacement != kDefaultReplacement)) {
    return error(action +
                 " action requires only 'source_labels' and `target_label`, and no other fields");
  }
  if ((a == A::labeldrop || a == A::labelkeep) &&
      (!c.source_labels.empty() || !c.target_label.empty() || c.modulus != 0 ||
       c.separator != kDefaultSeparator || c.replacement != kDefaultReplacement)) {
    return error(action + " action requires only 'regex', and no other fields");
  }
  return ok();
}

std::optional<LabelSet> relabel(LabelSet labels, const std::vector<RelabelConfig>& configs) {
  for (const RelabelConfig& c : configs) {
    if (!apply(labels, c)) return std::nullopt;
  }
  return labels;
}

std::optional<std::vector<std::optional<std::string_view>>> match_groups(const Regex& re,
                                                                         std::string_view subject) {
  const int n = re.groups() + 1;
  std::vector<re2::StringPiece> pieces(static_cast<std::size_t>(n));
  if (!re.re2().Match(re2::StringPiece(subject.data(), subject.size()), 0, subject.size(),
                      RE2::UNANCHORED, pieces.data(), n)) {
    return std::nullopt;
  }
  std::vector<std::optional<std::string_view>> out;
  out.reserve(pieces.size());
  for (const auto& p : pieces) {
    if (p.data() == nullptr) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(std::string_view(p.data(), p.size()));
    }
  }
  return out;
}

std::string expand_template(std::string_view tmpl,
                            const std::vector<std::optional<std::string_view>>& groups,
                            const std::map<std::string, int>& names) {
  std::string out;
  for (;;) {
    const auto dollar = tmpl.find('$');
    if (dollar == std::string_view::npos) break;
    out += tmpl.substr(0, dollar);
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl.front() == '$') {
      out += '$';
      tmpl.remove_prefix(1);
      continue;
    }
    const auto ref = extract(tmpl);
    if (!ref) {
      out += '$';  // malformed: the `$` is literal text
      continue;
    }
    int index = ref->number;
    if (index < 0) {
      const auto it = names.find(std::string(ref->name));
      if (it != names.end()) index = it->second;
    }
    if (index >= 0 && static_cast<std::size_t>(index) < groups.size() && groups[index]) {
      out += *groups[index];
    }
    tmpl.remove_prefix(ref->length);
  }
  out += tmpl;
  return out;
}

}  // namespace sonde::core
