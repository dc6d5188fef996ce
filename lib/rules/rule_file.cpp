// rulefmt.go (RuleGroups.Validate, RuleNode.Validate, testTemplateParsing) and promtool's
// checkRules/checkDuplicates at Prometheus v2.42.0, with their wording.
#include "rules/rule_file.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "core/utf8.hpp"
#include "rules/promql/parser.hpp"
#include "rules/template/template.hpp"

namespace sonde::rules {
namespace {

using promql::go_quote;  // Go's %q, as rulefmt prints group and rule names

std::string pos_text(SpecPos p) { return std::to_string(p.line) + ":" + std::to_string(p.column); }

RuleProblem group_problem(SpecPos pos, std::string message) {
  RuleProblem p;
  p.has_pos = true;
  p.pos = pos;
  p.message = std::move(message);
  return p;
}

void validate_rule(const GroupSpec& g, std::size_t index, const RuleSpec& r,
                   std::vector<RuleProblem>& out) {
  const SpecText& name = r.alert.value.empty() ? r.record : r.alert;
  auto add = [&](std::string message, std::optional<SpecPos> pos = std::nullopt,
                 std::optional<SpecPos> alt = std::nullopt) {
    RuleProblem p;
    p.has_pos = pos.has_value();
    if (pos) p.pos = *pos;
    p.alt = alt;
    p.in_rule = true;
    p.group = g.name.value;
    p.rule = static_cast<int>(index + 1);
    p.rule_name = name.value;
    p.message = std::move(message);
    out.push_back(std::move(p));
  };
  const bool is_record = !r.record.value.empty();
  const bool is_alert = !r.alert.value.empty();
  if (is_record && is_alert) {
    add("only one of 'record' and 'alert' must be set", r.record.pos, r.alert.pos);
  }
  if (!is_record && !is_alert) add("one of 'record' or 'alert' must be set", r.record.pos);

  if (r.expr.value.empty()) {
    add("field 'expr' must be set in rule", r.expr.pos);
  } else if (auto e = promql::parse(r.expr.value); !e.ok()) {
    add("could not parse expression: " + e.error().to_string(), r.expr.pos);
  }
  if (is_record) {
    if (!r.annotations.empty()) add("invalid field 'annotations' in recording rule", r.record.pos);
    if (r.for_duration.count() != 0) add("invalid field 'for' in recording rule", r.record.pos);
    if (r.keep_firing_for.count() != 0) {
      add("invalid field 'keep_firing_for' in recording rule", r.record.pos);
    }
    if (!valid_metric_name(r.record.value)) {
      add("invalid recording rule name: " + r.record.value, r.record.pos);
    }
  }
  // rulefmt ranges over Go maps here (a random order); sonde keeps the file's order.
  for (const auto& l : r.labels) {
    if (!valid_label_name(l.name.value) || l.name.value == "__name__") {
      add("invalid label name: " + l.name.value);
    }
    if (!valid_utf8(l.value.value)) add("invalid label value: " + l.value.value);
  }
  for (const auto& a : r.annotations) {
    if (!valid_label_name(a.name.value)) add("invalid annotation name: " + a.name.value);
  }
  if (!is_alert) return;  // only alerting rules' templates are parsed
  // Text without "{{" is one text node after Prometheus's (valid) header: it always parses.
  auto parses = [&](const std::string& text) -> std::optional<std::string> {
    if (text.find("{{") == std::string::npos) return std::nullopt;
    auto t = tmpl::parse_alert_template(r.alert.value, text);
    if (t.ok()) return std::nullopt;
    return t.error().message;
  };
  for (const auto& l : r.labels) {
    if (auto e = parses(l.value.value)) {
      add("label " + go_quote(l.name.value) + ": " + *e);
    }
  }
  for (const auto& a : r.annotations) {
    if (auto e = parses(a.value.value)) {
      add("annotation " + go_quote(a.name.value) + ": " + *e);
    }
  }
}

using LabelList = std::vector<std::pair<std::string, std::string>>;

int compare_labels(const LabelList& a, const LabelList& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (int c = a[i].first.compare(b[i].first); c != 0) return c < 0 ? -1 : 1;
    if (int c = a[i].second.compare(b[i].second); c != 0) return c < 0 ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

int compare_rules(const DuplicateRule& a, const DuplicateRule& b) {
  if (int c = a.metric.compare(b.metric); c != 0) return c < 0 ? -1 : 1;
  return compare_labels(a.labels, b.labels);
}

// yaml.v3's "yaml: unmarshal errors:" block, or each other problem on its own.
void add_yaml_errors(std::string_view file, const std::vector<YamlProblem>& problems,
                     std::vector<std::string>& out) {
  std::string unmarshal;
  for (const auto& p : problems) {
    if (p.unmarshal) {
      unmarshal += "\n  line " + std::to_string(p.line) + ": " + p.message;
    } else {
      out.push_back(std::string(file) + ": " + p.message);
    }
  }
  if (!unmarshal.empty())
    out.push_back(std::string(file) + ": yaml: unmarshal errors:" + unmarshal);
}

}  // namespace

std::string RuleProblem::to_string() const {
  std::string out;
  if (has_pos) {
    out += pos_text(pos) + ": ";
    if (alt) out += pos_text(*alt) + ": ";
  }
  if (in_rule) {
    out += "group " + go_quote(group) + ", rule " + std::to_string(rule) + ", " +
           go_quote(rule_name) + ": ";
  }
  return out + message;
}

core::Diagnostic RuleProblem::diagnostic(std::string_view file) const {
  core::Diagnostic d;
  d.file = std::string(file);
  if (has_pos) {
    d.line = pos.line;
    d.column = pos.column;
  }
  if (in_rule) {
    d.path =
        "group " + go_quote(group) + ", rule " + std::to_string(rule) + ", " + go_quote(rule_name);
  }
  d.message = message;
  return d;
}

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool valid_label_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool valid_utf8(std::string_view s) { return core::valid_utf8(s); }

std::vector<RuleProblem> validate(const RuleFileSpec& spec) {
  std::vector<RuleProblem> out;
  std::set<std::string> seen;
  for (const auto& g : spec.groups) {
    if (g.name.value.empty()) out.push_back(group_problem(g.pos, "Groupname must not be empty"));
    if (!seen.insert(g.name.value).second) {
      out.push_back(
          group_problem(g.pos, "groupname: \"" + g.name.value + "\" is repeated in the same file"));
    }
    for (std::size_t i = 0; i < g.rules.size(); ++i) validate_rule(g, i, g.rules[i], out);
  }
  return out;
}

std::vector<DuplicateRule> find_duplicates(const RuleFileSpec& spec) {
  std::vector<DuplicateRule> rules;
  for (const auto& g : spec.groups) {
    for (const auto& r : g.rules) {
      DuplicateRule d;
      d.metric = r.alert.value.empty() ? r.record.value : r.alert.value;
      // labels.FromMap: one value per name (the last, as a Go map keeps), sorted by name.
      for (const auto& l : r.labels) {
        auto it = std::find_if(d.labels.begin(), d.labels.end(),
                               [&](const auto& x) { return x.first == l.name.value; });
        if (it != d.labels.end()) {
          it->second = l.value.value;
        } else {
          d.labels.emplace_back(l.name.value, l.value.value);
        }
      }
      std::sort(d.labels.begin(), d.labels.end());
      rules.push_back(std::move(d));
    }
  }
  std::vector<DuplicateRule> duplicates;
  if (rules.size() < 2) return duplicates;
  std::stable_sort(rules.begin(), rules.end(),
                   [](const auto& a, const auto& b) { return compare_rules(a, b) < 0; });
  for (std::size_t i = 1; i < rules.size(); ++i) {
    if (compare_rules(rules[i - 1], rules[i]) == 0 &&
        (duplicates.empty() || compare_rules(rules[i - 1], duplicates.back()) != 0)) {
      duplicates.push_back(rules[i]);
    }
  }
  return duplicates;
}

std::string duplicates_message(const std::vector<DuplicateRule>& duplicates) {
  std::string out =
      "lint error " + std::to_string(duplicates.size()) + " duplicate rule(s) found.\n";
  for (const auto& d : duplicates) {
    out += "Metric: " + d.metric + "\nLabel(s):\n";
    for (const auto& [name, value] : d.labels) out += "\t" + name + ": " + value + "\n";
  }
  return out + "Might cause inconsistency while recording expressions";
}

FileCheck check_file(std::string_view file, const RuleFileRead& read, bool lint_duplicates) {
  FileCheck out;
  add_yaml_errors(file, read.problems, out.errors);
  add_yaml_errors(file, read.second_pass, out.errors);
  if (!out.errors.empty()) return out;
  for (const auto& p : validate(read.spec)) {
    out.errors.push_back(std::string(file) + ": " + p.to_string());
  }
  if (!out.errors.empty()) return out;
  for (const auto& g : read.spec.groups) out.rules += g.rules.size();
  if (lint_duplicates) {
    if (auto d = find_duplicates(read.spec); !d.empty()) out.lint = duplicates_message(d);
  }
  return out;
}

PrintedCheck print_check(std::string_view file, const FileCheck& check, std::ostream& out,
                         std::ostream& err) {
  PrintedCheck result;
  out << "Checking " << file << '\n' << std::flush;
  if (!check.errors.empty() || check.lint) {
    err << "  FAILED:\n";
    for (const auto& e : check.errors) err << e << '\n';
    if (check.errors.empty()) err << *check.lint << '\n';
    err << std::flush;
    result.failed = true;
    result.errors = !check.errors.empty();
  } else {
    out << "  SUCCESS: " << check.rules << " rules found\n";
  }
  out << '\n' << std::flush;
  return result;
}

int exit_code(const std::vector<PrintedCheck>& files, bool fatal) {
  bool failed = false;
  bool errors = false;
  for (const auto& f : files) {
    failed = failed || f.failed;
    errors = errors || f.errors;
  }
  if (failed && errors) return 1;
  if (failed && fatal) return 3;
  return 0;
}

}  // namespace sonde::rules
