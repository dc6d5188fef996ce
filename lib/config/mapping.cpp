#include "config/mapping.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "config/file.hpp"
#include "config/reader.hpp"
#include "core/relabel.hpp"

namespace sonde::config {
namespace {

using Millis = std::chrono::milliseconds;
using ingest::MappingRuleSpec;
using ingest::MappingSpec;
using ingest::MatchType;
using ingest::MetricTypeMatch;
using ingest::ObserverSettings;

/// Keys statsd_exporter has and sonde accepts without using them.
bool is_native_or_tuning(const std::string& key, bool summary) {
  if (key.rfind("native_histogram_", 0) == 0) return true;
  return summary && (key == "error" || key == "age_buckets" || key == "buf_cap");
}

/// The mapping file's key check: unknown keys are errors at the key, accepted-but-unused ones are
/// remembered. Returns false if `n` is not a map.
class MappingReader {
 public:
  explicit MappingReader(Reader& r) : r_(r) {}

  bool only_keys(const YAML::Node& n, const std::string& path,
                 std::initializer_list<std::string_view> allowed, bool summary = false) {
    if (!n || n.IsNull()) return true;
    if (!n.IsMap()) {
      r_.fail(n, path, "expected a map, got " + describe(n));
      return false;
    }
    for (const auto& kv : n) {
      const YAML::Node key = kv.first;
      if (!key.IsScalar()) {
        r_.fail(key, path, "expected a key name, got " + describe(key));
        continue;
      }
      const std::string name = key.Scalar();
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      if (is_native_or_tuning(name, summary)) {
        ignored.insert(name);
        continue;
      }
      if (r_.full()) {
        r_.count_more();
        continue;
      }
      r_.fail(key, join(path, name), "unknown key " + quote(name) + " (not supported by sonde)");
    }
    return true;
  }

  std::optional<std::string> scalar(const YAML::Node& n, const std::string& path) {
    if (!n.IsScalar()) {
      r_.fail(n, path, "expected a scalar, got " + describe(n));
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<double> number(const YAML::Node& n, const std::string& path) {
    auto s = scalar(n, path);
    if (!s) return std::nullopt;
    std::string t = *s;
    if (!t.empty() && t[0] == '+') t.erase(0, 1);
    double v = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(v)) {
      r_.fail(n, path, "expected a number, got " + quote(*s));
      return std::nullopt;
    }
    return v;
  }

  std::optional<Millis> duration(const YAML::Node& n, const std::string& path) {
    auto s = scalar(n, path);
    if (!s) return std::nullopt;
    auto d = parse_go_duration(*s);
    if (!d) r_.fail(n, path, "expected a duration such as 5m or 1h30m, got " + quote(*s));
    return d;
  }

  std::optional<std::vector<double>> buckets(const YAML::Node& n, const std::string& path) {
    if (!n.IsSequence() || n.size() == 0) {
      r_.fail(n, path, "expected a non-empty list of numbers, got " + describe(n));
      return std::nullopt;
    }
    std::vector<double> out;
    for (std::size_t i = 0; i < n.size(); ++i) {
      auto v = number(n[i], path + "[" + std::to_string(i) + "]");
      if (!v) return std::nullopt;
      if (!out.empty() && *v <= out.back()) {
        r_.fail(n[i], path, "buckets must be strictly increasing");
        return std::nullopt;
      }
      out.push_back(*v);
    }
    return out;
  }

  void quantiles(const YAML::Node& q, const std::string& qp, ObserverSettings& o) {
    if (!q.IsSequence() || q.size() == 0) {
      r_.fail(q, qp, "expected a non-empty list of {quantile, error}, got " + describe(q));
      return;
    }
    std::vector<double> qs;
    for (std::size_t i = 0; i < q.size(); ++i) {
      const std::string ip = qp + "[" + std::to_string(i) + "]";
      const YAML::Node item = q[i];
      if (!only_keys(item, ip, {"quantile"}, /*summary=*/true)) return;
      if (!item["quantile"]) {
        r_.fail(item, ip, "missing quantile");
        return;
      }
      auto v = number(item["quantile"], join(ip, "quantile"));
      if (!v) return;
      if (*v < 0 || *v > 1) {
        r_.fail(item["quantile"], join(ip, "quantile"), "must be between 0 and 1");
        return;
      }
      qs.push_back(*v);
    }
    o.quantiles = std::move(qs);
  }

  void observer(const YAML::Node& n, const std::string& path, ObserverSettings& o) {
    for (const char* key : {"observer_type", "timer_type"}) {
      if (const auto v = n[key]) {
        auto s = scalar(v, join(path, key));
        if (!s) continue;
        if (*s == "histogram") {
          o.observer_type = ingest::ObserverType::histogram;
        } else if (*s == "summary") {
          o.observer_type = ingest::ObserverType::summary;
        } else if (!s->empty() && *s != "default") {
          r_.fail(v, join(path, key), "expected histogram or summary, got " + quote(*s));
        }
      }
    }
    if (const auto h = n["histogram_options"]) {
      const std::string hp = join(path, "histogram_options");
      if (only_keys(h, hp, {"buckets"}) && h["buckets"]) {
        o.buckets = buckets(h["buckets"], join(hp, "buckets"));
      }
    }
    if (const auto b = n["buckets"]) o.buckets = buckets(b, join(path, "buckets"));
    if (const auto s = n["summary_options"]) {
      const std::string sp = join(path, "summary_options");
      if (only_keys(s, sp, {"quantiles", "max_age"}, /*summary=*/true)) {
        if (s["quantiles"]) quantiles(s["quantiles"], join(sp, "quantiles"), o);
        if (s["max_age"]) o.max_age = duration(s["max_age"], join(sp, "max_age"));
      }
    }
    if (const auto q = n["quantiles"]) quantiles(q, join(path, "quantiles"), o);
  }

  std::optional<MatchType> match_type(const YAML::Node& n, const std::string& path) {
    auto s = scalar(n, path);
    if (!s) return std::nullopt;
    if (*s == "glob" || s->empty() || *s == "default") return MatchType::glob;
    if (*s == "regex") return MatchType::regex;
    r_.fail(n, path, "expected glob or regex, got " + quote(*s));
    return std::nullopt;
  }

  void defaults(const YAML::Node& d, ingest::MappingDefaults& out) {
    if (!only_keys(d, "defaults",
                   {"observer_type", "timer_type", "histogram_options", "summary_options",
                    "buckets", "quantiles", "match_type", "glob_disable_ordering", "ttl"})) {
      return;
    }
    observer(d, "defaults", out.observer);
    if (d["match_type"]) {
      if (auto m = match_type(d["match_type"], "defaults.match_type")) out.match_type = *m;
    }
    if (const auto g = d["glob_disable_ordering"]) {
      auto s = scalar(g, "defaults.glob_disable_ordering");
      if (s && (*s == "true" || *s == "false")) {
        out.glob_disable_ordering = *s == "true";
      } else if (s) {
        r_.fail(g, "defaults.glob_disable_ordering", "expected true or false, got " + quote(*s));
      }
    }
    if (d["ttl"]) out.ttl = duration(d["ttl"], "defaults.ttl");
  }

  /// One rule; false when it is unusable (the error is recorded).
  bool rule(const YAML::Node& m, const std::string& p, MatchType default_match,
            MappingRuleSpec& r) {
    if (!only_keys(m, p,
                   {"match", "name", "labels", "help", "match_type", "observer_type", "timer_type",
                    "histogram_options", "summary_options", "buckets", "quantiles",
                    "match_metric_type", "action", "ttl", "scale"})) {
      return false;
    }
    r.line = m.Mark().line + 1;
    r.match_type = default_match;
    if (!m["match"]) {
      r_.fail(m, p, "missing match");
      return false;
    }
    const YAML::Node match = m["match"];
    if (auto s = scalar(match, join(p, "match"))) r.match = *s;
    r.match_at = {match.Mark().line + 1, match.Mark().column + 1, join(p, "match")};
    if (m["match_type"]) {
      if (auto t = match_type(m["match_type"], join(p, "match_type"))) r.match_type = *t;
    }
    if (r.match_type == MatchType::glob && r.match.empty()) {
      r_.fail(match, join(p, "match"), "empty glob");
      return false;
    }
    if (m["action"]) {
      auto s = scalar(m["action"], join(p, "action"));
      if (s && *s == "drop") {
        r.drop = true;
      } else if (s && *s != "map") {
        r_.fail(m["action"], join(p, "action"), "expected map or drop, got " + quote(*s));
      }
    }
    if (m["name"]) {
      if (auto s = scalar(m["name"], join(p, "name"))) r.name = *s;
    }
    if (r.name.empty() && !r.drop) {
      r_.fail(m, p, "line " + std::to_string(r.line) + ": metric mapping didn't set a metric name");
    } else if (!template_ok(r.name)) {
      r_.fail(m["name"], join(p, "name"), "unclosed ${ in " + quote(r.name));
    }
    if (const auto ls = m["labels"]) {
      if (!ls.IsMap()) {
        r_.fail(ls, join(p, "labels"),
                "expected a map of label name to value, got " + describe(ls));
      } else {
        for (const auto& kv : ls) {
          const YAML::Node key = kv.first;
          const std::string k = key.IsScalar() ? key.Scalar() : std::string();
          const std::string lp = join(join(p, "labels"), k);
          if (!core::is_label_name(k)) {
            r_.fail(key, lp, "invalid label name " + quote(k));
            continue;
          }
          if (auto v = scalar(kv.second, lp)) r.labels.emplace_back(k, *v);
        }
      }
    }
    observer(m, p, r.observer);
    if (m["match_metric_type"]) {
      auto s = scalar(m["match_metric_type"], join(p, "match_metric_type"));
      if (s && *s == "counter") {
        r.metric_type = MetricTypeMatch::counter;
      } else if (s && *s == "gauge") {
        r.metric_type = MetricTypeMatch::gauge;
      } else if (s && (*s == "observer" || *s == "timer")) {
        r.metric_type = MetricTypeMatch::observer;
      } else if (s) {
        r_.fail(m["match_metric_type"], join(p, "match_metric_type"),
                "expected counter, gauge or observer, got " + quote(*s));
      }
    }
    if (m["help"]) {
      if (auto s = scalar(m["help"], join(p, "help"))) r.help = *s;
    }
    if (m["ttl"]) r.ttl = duration(m["ttl"], join(p, "ttl"));
    if (m["scale"]) r.scale = number(m["scale"], join(p, "scale"));
    return true;
  }

  void file(const YAML::Node& root, MappingSpec& out) {
    if (!only_keys(root, "", {"defaults", "mappings"})) return;
    if (const auto d = root["defaults"]) defaults(d, out.defaults);
    const auto ms = root["mappings"];
    if (!ms) return;
    if (!ms.IsSequence()) {
      r_.fail(ms, "mappings", "expected a list, got " + describe(ms));
      return;
    }
    for (std::size_t i = 0; i < ms.size(); ++i) {
      MappingRuleSpec rule_spec;
      if (rule(ms[i], "mappings[" + std::to_string(i) + "]", out.defaults.match_type, rule_spec)) {
        out.mappings.push_back(std::move(rule_spec));
      }
    }
  }

  std::set<std::string> ignored;

 private:
  static bool template_ok(std::string_view t) {
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (t[i] != '$' || i + 1 >= t.size() || t[i + 1] != '{') continue;
      if (t.find('}', i) == std::string_view::npos) return false;
    }
    return true;
  }

  Reader& r_;
};

}  // namespace

core::Result<MappingSpec, core::Errors> load_mapping_string(std::string_view yaml,
                                                            std::string_view name) {
  Reader r{std::string(name)};
  MappingReader m(r);
  MappingSpec spec;
  spec.file = std::string(name);
  parse_yaml(r, yaml, [&](const YAML::Node& root) { m.file(root, spec); });
  core::Errors errors = r.take_errors();
  if (!errors.empty()) return errors;
  spec.ignored_keys.assign(m.ignored.begin(), m.ignored.end());
  return spec;
}

core::Result<MappingSpec, core::Errors> load_mapping_file(const std::filesystem::path& path) {
  auto text = read_config_file(path);
  if (!text.ok()) {
    core::Errors errors;
    errors.add(text.error());
    return errors;
  }
  return load_mapping_string(*text, path.string());
}

}  // namespace sonde::config
