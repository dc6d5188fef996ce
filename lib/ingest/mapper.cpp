#include "ingest/mapper.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>

namespace sonde::ingest {
namespace {

/// A glob as an RE2 pattern (anchored by core::Regex): '*' is one '.'-component or part of one.
std::string glob_to_regex(std::string_view glob) {
  std::string re;
  for (char c : glob) {
    if (c == '*') {
      re += "([^.]*)";
    } else if (std::string_view("\\^$.|?+()[]{}").find(c) != std::string_view::npos) {
      re += '\\';
      re += c;
    } else {
      re += c;
    }
  }
  return re;
}

}  // namespace

std::string expand_template(std::string_view t, std::span<const std::string_view> groups) {
  std::string out;
  auto group = [&](std::string_view name) {
    if (name.empty() || name.size() > 3) return;
    std::size_t idx = 0;
    for (char c : name) {
      if (c < '0' || c > '9') return;  // named groups: not supported
      idx = idx * 10 + static_cast<std::size_t>(c - '0');
    }
    if (idx < groups.size()) out += groups[idx];
  };
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '$' || i + 1 >= t.size()) {
      out += t[i];
      continue;
    }
    if (t[i + 1] == '$') {
      out += '$';
      ++i;
    } else if (t[i + 1] == '{') {
      const auto close = t.find('}', i + 2);
      if (close == std::string_view::npos) {
        out += t.substr(i);
        break;
      }
      group(t.substr(i + 2, close - i - 2));
      i = close;
    } else {
      std::size_t j = i + 1;
      while (j < t.size() && (std::isalnum(static_cast<unsigned char>(t[j])) || t[j] == '_')) ++j;
      if (j == i + 1) {
        out += '$';
        continue;
      }
      group(t.substr(i + 1, j - i - 1));
      i = j - 1;
    }
  }
  return out;
}

core::Result<Mapper, core::Errors> Mapper::compile(MappingSpec spec) {
  core::Errors errors;
  Mapper out;
  for (const auto& r : spec.mappings) {
    MappingRule rule{r, {}, {}};
    auto re = r.match_type == MatchType::regex
                  ? core::Regex::compile(r.match, core::Regex::Anchor::none)
                  : core::Regex::compile(glob_to_regex(r.match), core::Regex::Anchor::full);
    if (!re.ok()) {
      errors.add(
          {spec.file, r.match_at.line, r.match_at.column, r.match_at.path,
           r.match_type == MatchType::regex ? re.message() : "invalid glob: " + re.message()});
      continue;
    }
    rule.re = std::move(*re);
    if (r.match_type == MatchType::glob) {
      std::string_view g = r.match;
      for (;;) {
        const auto dot = g.find('.');
        rule.glob_shape.push_back(g.substr(0, dot).find('*') != std::string_view::npos);
        if (dot == std::string_view::npos) break;
        g.remove_prefix(dot + 1);
      }
    }
    out.rules_.push_back(std::move(rule));
  }
  if (!errors.empty()) return errors;
  for (std::size_t i = 0; i < out.rules_.size(); ++i) {
    (out.rules_[i].match_type == MatchType::glob ? out.glob_order_ : out.regex_order_).push_back(i);
  }
  if (spec.defaults.glob_disable_ordering) {
    // statsd_exporter's FSM prefers a literal component over '*' at the first place they differ.
    std::stable_sort(out.glob_order_.begin(), out.glob_order_.end(),
                     [&](std::size_t a, std::size_t b) {
                       return out.rules_[a].glob_shape < out.rules_[b].glob_shape;
                     });
  }
  out.spec_ = std::move(spec);
  return out;
}

std::optional<std::string> Mapper::warning() const {
  if (spec_.ignored_keys.empty()) return std::nullopt;
  std::string keys;
  for (const auto& k : spec_.ignored_keys) keys += (keys.empty() ? "" : ", ") + k;
  return "mapping file: ignoring " + keys +
         " (native histograms and summary tuning cannot be exposed in the text format; classic "
         "buckets and sonde's sliding-window quantiles are used)";
}

std::optional<MappingResult> Mapper::map(std::string_view name, MetricKind kind) const {
  const MetricTypeMatch mt = kind == MetricKind::counter ? MetricTypeMatch::counter
                             : (kind == MetricKind::gauge || kind == MetricKind::set)
                                 ? MetricTypeMatch::gauge
                                 : MetricTypeMatch::observer;
  const re2::StringPiece subject(name.data(), name.size());
  std::vector<re2::StringPiece> pieces;
  std::vector<std::string_view> groups;
  auto try_rule = [&](std::size_t i) -> std::optional<MappingResult> {
    const MappingRule& r = rules_[i];
    if (r.metric_type != MetricTypeMatch::any && r.metric_type != mt) return std::nullopt;
    // Group 0 is the whole match; an anchored (glob) pattern's groups keep their numbers.
    const RE2& re = r.re.re2();
    pieces.assign(static_cast<std::size_t>(re.NumberOfCapturingGroups()) + 1, {});
    if (!re.Match(subject, 0, subject.size(), RE2::UNANCHORED, pieces.data(),
                  static_cast<int>(pieces.size()))) {
      return std::nullopt;
    }
    groups.clear();
    for (const auto& p : pieces) groups.emplace_back(p.data() ? p.data() : "", p.size());
    MappingResult out;
    out.rule = &r;
    out.name = expand_template(r.name, groups);
    for (const auto& [k, v] : r.labels) out.labels.emplace_back(k, expand_template(v, groups));
    return out;
  };
  for (std::size_t i : glob_order_) {
    if (auto r = try_rule(i)) return r;
  }
  for (std::size_t i : regex_order_) {
    if (auto r = try_rule(i)) return r;
  }
  return std::nullopt;
}

}  // namespace sonde::ingest
