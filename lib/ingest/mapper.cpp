#include "ingest/mapper.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "ingest/names.hpp"

namespace sonde::ingest {
namespace {

using Millis = std::chrono::milliseconds;

/// Collects errors with positions; the first one is what load returns, all are joined.
class Errors {
 public:
  explicit Errors(std::string file) : file_(std::move(file)) {}
  void fail(const YAML::Node& at, const std::string& path, const std::string& message) {
    std::string s = file_;
    const YAML::Mark m = at.Mark();
    if (!m.is_null()) s += fmt::format(":{}:{}", m.line + 1, m.column + 1);
    s += ": ";
    if (!path.empty()) s += path + ": ";
    s += message;
    list_.push_back(std::move(s));
  }
  bool empty() const { return list_.empty(); }
  std::string joined() const {
    std::string out;
    for (const auto& e : list_) {
      if (!out.empty()) out += '\n';
      out += e;
    }
    return out;
  }
  std::set<std::string> ignored;  // accepted-but-unused keys seen

 private:
  std::string file_;
  std::vector<std::string> list_;
};

std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

bool is_native_or_tuning(const std::string& key, bool summary) {
  if (key.rfind("native_histogram_", 0) == 0) return true;
  return summary && (key == "error" || key == "age_buckets" || key == "buf_cap");
}

/// Checks keys; returns false if `n` is not a map.
bool only_keys(Errors& e, const YAML::Node& n, const std::string& path,
               std::initializer_list<std::string_view> allowed, bool summary = false) {
  if (!n || n.IsNull()) return true;
  if (!n.IsMap()) {
    e.fail(n, path, "expected a map");
    return false;
  }
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    if (is_native_or_tuning(key, summary)) {
      e.ignored.insert(key);
      continue;
    }
    e.fail(kv.first, join(path, key), "unknown key \"" + key + "\" (not supported by sonde)");
  }
  return true;
}

std::optional<std::string> scalar(Errors& e, const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) {
    e.fail(n, path, "expected a scalar");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<double> number(Errors& e, const YAML::Node& n, const std::string& path) {
  auto s = scalar(e, n, path);
  if (!s) return std::nullopt;
  std::string t = *s;
  if (!t.empty() && t[0] == '+') t.erase(0, 1);
  double v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(v)) {
    e.fail(n, path, "expected a number, got \"" + *s + "\"");
    return std::nullopt;
  }
  return v;
}

std::optional<Millis> duration(Errors& e, const YAML::Node& n, const std::string& path) {
  auto s = scalar(e, n, path);
  if (!s) return std::nullopt;
  auto d = parse_go_duration(*s);
  if (!d) e.fail(n, path, "expected a duration such as 5m or 1h30m, got \"" + *s + "\"");
  return d;
}

std::optional<std::vector<double>> buckets(Errors& e, const YAML::Node& n,
                                           const std::string& path) {
  if (!n.IsSequence() || n.size() == 0) {
    e.fail(n, path, "expected a non-empty list of numbers");
    return std::nullopt;
  }
  std::vector<double> out;
  for (std::size_t i = 0; i < n.size(); ++i) {
    auto v = number(e, n[i], path + "[" + std::to_string(i) + "]");
    if (!v) return std::nullopt;
    if (!out.empty() && *v <= out.back()) {
      e.fail(n[i], path, "buckets must be strictly increasing");
      return std::nullopt;
    }
    out.push_back(*v);
  }
  return out;
}

void read_observer(Errors& e, const YAML::Node& n, const std::string& path, ObserverSettings& o) {
  for (const char* key : {"observer_type", "timer_type"}) {
    if (const auto v = n[key]) {
      auto s = scalar(e, v, join(path, key));
      if (!s) continue;
      if (*s == "histogram") {
        o.observer_type = core::ObserverType::histogram;
      } else if (*s == "summary") {
        o.observer_type = core::ObserverType::summary;
      } else if (!s->empty() && *s != "default") {
        e.fail(v, join(path, key), "expected histogram or summary, got \"" + *s + "\"");
      }
    }
  }
  if (const auto h = n["histogram_options"]) {
    const std::string hp = join(path, "histogram_options");
    if (only_keys(e, h, hp, {"buckets"}) && h["buckets"]) {
      o.buckets = buckets(e, h["buckets"], join(hp, "buckets"));
    }
  }
  if (const auto b = n["buckets"]) o.buckets = buckets(e, b, join(path, "buckets"));
  auto read_quantiles = [&](const YAML::Node& q, const std::string& qp) {
    if (!q.IsSequence() || q.size() == 0) {
      e.fail(q, qp, "expected a non-empty list of {quantile, error}");
      return;
    }
    std::vector<double> qs;
    for (std::size_t i = 0; i < q.size(); ++i) {
      const std::string ip = qp + "[" + std::to_string(i) + "]";
      if (!only_keys(e, q[i], ip, {"quantile"}, /*summary=*/true)) return;
      if (!q[i]["quantile"]) {
        e.fail(q[i], ip, "missing quantile");
        return;
      }
      auto v = number(e, q[i]["quantile"], join(ip, "quantile"));
      if (!v) return;
      if (*v < 0 || *v > 1) {
        e.fail(q[i]["quantile"], join(ip, "quantile"), "must be between 0 and 1");
        return;
      }
      qs.push_back(*v);
    }
    o.quantiles = std::move(qs);
  };
  if (const auto s = n["summary_options"]) {
    const std::string sp = join(path, "summary_options");
    if (only_keys(e, s, sp, {"quantiles", "max_age"}, /*summary=*/true)) {
      if (s["quantiles"]) read_quantiles(s["quantiles"], join(sp, "quantiles"));
      if (s["max_age"]) o.max_age = duration(e, s["max_age"], join(sp, "max_age"));
    }
  }
  if (const auto q = n["quantiles"]) read_quantiles(q, join(path, "quantiles"));
}

std::optional<MatchType> match_type(Errors& e, const YAML::Node& n, const std::string& path) {
  auto s = scalar(e, n, path);
  if (!s) return std::nullopt;
  if (*s == "glob" || s->empty() || *s == "default") return MatchType::glob;
  if (*s == "regex") return MatchType::regex;
  e.fail(n, path, "expected glob or regex, got \"" + *s + "\"");
  return std::nullopt;
}

std::string glob_to_regex(std::string_view glob) {
  std::string re = "^";
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
  return re + "$";
}

bool template_ok(std::string_view t) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '$' || i + 1 >= t.size() || t[i + 1] != '{') continue;
    if (t.find('}', i) == std::string_view::npos) return false;
  }
  return true;
}

core::Result<Mapper> build(const YAML::Node& root, Errors& e, std::vector<std::string>& warnings,
                           MappingDefaults& defaults, std::vector<MappingRule>& rules) {
  if (!only_keys(e, root, "", {"defaults", "mappings"})) return core::error(e.joined());
  if (const auto d = root["defaults"]) {
    if (only_keys(e, d, "defaults",
                  {"observer_type", "timer_type", "histogram_options", "summary_options", "buckets",
                   "quantiles", "match_type", "glob_disable_ordering", "ttl"})) {
      read_observer(e, d, "defaults", defaults.observer);
      if (d["match_type"]) {
        if (auto m = match_type(e, d["match_type"], "defaults.match_type")) {
          defaults.match_type = *m;
        }
      }
      if (const auto g = d["glob_disable_ordering"]) {
        auto s = scalar(e, g, "defaults.glob_disable_ordering");
        if (s && (*s == "true" || *s == "false")) {
          defaults.glob_disable_ordering = *s == "true";
        } else if (s) {
          e.fail(g, "defaults.glob_disable_ordering", "expected true or false");
        }
      }
      if (d["ttl"]) defaults.ttl = duration(e, d["ttl"], "defaults.ttl");
    }
  }
  if (const auto ms = root["mappings"]) {
    if (!ms.IsSequence()) {
      e.fail(ms, "mappings", "expected a list");
    } else {
      for (std::size_t i = 0; i < ms.size(); ++i) {
        const YAML::Node m = ms[i];
        const std::string p = "mappings[" + std::to_string(i) + "]";
        if (!only_keys(e, m, p,
                       {"match", "name", "labels", "help", "match_type", "observer_type",
                        "timer_type", "histogram_options", "summary_options", "buckets",
                        "quantiles", "match_metric_type", "action", "ttl", "scale"})) {
          continue;
        }
        MappingRule r;
        r.line = m.Mark().line + 1;
        r.match_type = defaults.match_type;
        if (!m["match"]) {
          e.fail(m, p, "missing match");
          continue;
        }
        if (auto s = scalar(e, m["match"], join(p, "match"))) r.match = *s;
        if (m["match_type"]) {
          if (auto t = match_type(e, m["match_type"], join(p, "match_type"))) r.match_type = *t;
        }
        if (m["action"]) {
          auto s = scalar(e, m["action"], join(p, "action"));
          if (s && *s == "drop") {
            r.drop = true;
          } else if (s && *s != "map") {
            e.fail(m["action"], join(p, "action"), "expected map or drop, got \"" + *s + "\"");
          }
        }
        if (m["name"]) {
          if (auto s = scalar(e, m["name"], join(p, "name"))) r.name = *s;
        }
        if (r.name.empty() && !r.drop) {
          e.fail(m, p,
                 "line " + std::to_string(r.line) + ": metric mapping didn't set a metric name");
        } else if (!template_ok(r.name)) {
          e.fail(m["name"], join(p, "name"), "unclosed ${ in \"" + r.name + "\"");
        }
        if (const auto ls = m["labels"]) {
          if (!ls.IsMap()) {
            e.fail(ls, join(p, "labels"), "expected a map of label name to value");
          } else {
            for (const auto& kv : ls) {
              const std::string k = kv.first.Scalar();
              const std::string lp = join(join(p, "labels"), k);
              if (!is_valid_label_name(k)) {
                e.fail(kv.first, lp, "invalid label name \"" + k + "\"");
                continue;
              }
              if (auto v = scalar(e, kv.second, lp)) r.labels.emplace_back(k, *v);
            }
          }
        }
        read_observer(e, m, p, r.observer);
        if (m["match_metric_type"]) {
          auto s = scalar(e, m["match_metric_type"], join(p, "match_metric_type"));
          if (s && *s == "counter") {
            r.metric_type = MetricTypeMatch::counter;
          } else if (s && *s == "gauge") {
            r.metric_type = MetricTypeMatch::gauge;
          } else if (s && (*s == "observer" || *s == "timer")) {
            r.metric_type = MetricTypeMatch::observer;
          } else if (s) {
            e.fail(m["match_metric_type"], join(p, "match_metric_type"),
                   "expected counter, gauge or observer, got \"" + *s + "\"");
          }
        }
        if (m["help"]) {
          if (auto s = scalar(e, m["help"], join(p, "help"))) r.help = *s;
        }
        if (m["ttl"]) r.ttl = duration(e, m["ttl"], join(p, "ttl"));
        if (m["scale"]) r.scale = number(e, m["scale"], join(p, "scale"));
        try {
          if (r.match_type == MatchType::regex) {
            r.re = std::regex(r.match, std::regex::ECMAScript | std::regex::optimize);
          } else {
            if (r.match.empty()) {
              e.fail(m["match"], join(p, "match"), "empty glob");
              continue;
            }
            r.re = std::regex(glob_to_regex(r.match), std::regex::ECMAScript);
            std::string_view g = r.match;
            for (;;) {
              const auto dot = g.find('.');
              r.glob_shape.push_back(g.substr(0, dot).find('*') != std::string_view::npos);
              if (dot == std::string_view::npos) break;
              g.remove_prefix(dot + 1);
            }
          }
        } catch (const std::regex_error& ex) {
          e.fail(m["match"], join(p, "match"), std::string("invalid regex: ") + ex.what());
          continue;
        }
        rules.push_back(std::move(r));
      }
    }
  }
  if (!e.empty()) return core::error(e.joined());
  if (!e.ignored.empty()) {
    std::string keys;
    for (const auto& k : e.ignored) keys += (keys.empty() ? "" : ", ") + k;
    warnings.push_back("mapping file: ignoring " + keys +
                       " (native histograms and summary tuning cannot be exposed in the text "
                       "format; classic buckets and sonde's sliding-window quantiles are used)");
  }
  return Mapper{};
}

}  // namespace

std::optional<Millis> parse_go_duration(std::string_view s) {
  if (s == "0") return Millis(0);
  if (s.empty()) return std::nullopt;
  double total_ms = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + i, v);
    if (ec != std::errc() || end != s.data() + i) return std::nullopt;
    s.remove_prefix(i);
    std::size_t u = 0;
    while (u < s.size() && !((s[u] >= '0' && s[u] <= '9') || s[u] == '.')) ++u;
    const std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    double f = 0;
    if (unit == "ns") {
      f = 1e-6;
    } else if (unit == "us" || unit == "\xC2\xB5s") {
      f = 1e-3;
    } else if (unit == "ms") {
      f = 1;
    } else if (unit == "s") {
      f = 1e3;
    } else if (unit == "m") {
      f = 60e3;
    } else if (unit == "h") {
      f = 3600e3;
    } else {
      return std::nullopt;
    }
    total_ms += v * f;
  }
  if (total_ms > 1e15) return std::nullopt;
  return Millis(static_cast<Millis::rep>(total_ms));
}

std::string expand_template(std::string_view t, const std::smatch& m) {
  std::string out;
  auto group = [&](std::string_view name) {
    if (name.empty() || name.size() > 3) return;
    std::size_t idx = 0;
    for (char c : name) {
      if (c < '0' || c > '9') return;  // named groups: std::regex has none
      idx = idx * 10 + static_cast<std::size_t>(c - '0');
    }
    if (idx < m.size() && m[idx].matched) out += m[idx].str();
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

core::Result<Mapper> Mapper::load_string(std::string_view yaml, std::string_view name,
                                         std::vector<std::string>& warnings) {
  Errors e{std::string(name)};
  Mapper out;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    auto r = build(root, e, warnings, out.defaults_, out.rules_);
    if (!r.ok()) return r.error();
  } catch (const YAML::Exception& ex) {
    std::string s(name);
    if (!ex.mark.is_null()) s += fmt::format(":{}:{}", ex.mark.line + 1, ex.mark.column + 1);
    return core::error(s + ": invalid YAML: " + ex.msg);
  } catch (const std::exception& ex) {
    return core::error(std::string(name) + ": cannot load: " + ex.what());
  }
  for (std::size_t i = 0; i < out.rules_.size(); ++i) {
    (out.rules_[i].match_type == MatchType::glob ? out.glob_order_ : out.regex_order_).push_back(i);
  }
  if (out.defaults_.glob_disable_ordering) {
    // statsd_exporter's FSM prefers a literal component over '*' at the first place they differ.
    std::stable_sort(out.glob_order_.begin(), out.glob_order_.end(),
                     [&](std::size_t a, std::size_t b) {
                       return out.rules_[a].glob_shape < out.rules_[b].glob_shape;
                     });
  }
  return out;
}

core::Result<Mapper> Mapper::load_file(const std::filesystem::path& path,
                                       std::vector<std::string>& warnings) {
  std::ifstream in(path);
  if (!in) return core::error(path.string() + ": cannot open mapping file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > (4u << 20)) return core::error(path.string() + ": larger than 4 MiB");
  return load_string(ss.str(), path.string(), warnings);
}

std::optional<MappingResult> Mapper::map(std::string_view name, MetricKind kind) const {
  const MetricTypeMatch mt = kind == MetricKind::counter ? MetricTypeMatch::counter
                             : (kind == MetricKind::gauge || kind == MetricKind::set)
                                 ? MetricTypeMatch::gauge
                                 : MetricTypeMatch::observer;
  const std::string s(name);
  std::smatch m;
  auto try_rule = [&](std::size_t i) -> std::optional<MappingResult> {
    const MappingRule& r = rules_[i];
    if (r.metric_type != MetricTypeMatch::any && r.metric_type != mt) return std::nullopt;
    if (r.match_type == MatchType::glob ? !std::regex_match(s, m, r.re)
                                        : !std::regex_search(s, m, r.re)) {
      return std::nullopt;
    }
    MappingResult out;
    out.rule = &r;
    out.name = expand_template(r.name, m);
    for (const auto& [k, v] : r.labels) out.labels.emplace_back(k, expand_template(v, m));
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
