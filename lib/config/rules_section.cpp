#include "config/rules_section.hpp"

#include <algorithm>

namespace sonde::config {
namespace {

using namespace std::chrono_literals;

bool valid_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

/// A map of label names to values, sorted by name. Names are Prometheus label names and not
/// reserved (`__` prefix); values are non-empty strings (an empty value is no label at all).
/// A null value (`key:` alone) is nullopt: the default.
std::optional<core::LabelPairs> read_labels(Reader& r, const YAML::Node& n, const std::string& p,
                                            std::string_view key) {
  const YAML::Node& cn = n;
  if (!cn.IsMap() || !cn[std::string(key)]) return std::nullopt;
  const YAML::Node m = r.child(n, key);
  const std::string path = join(p, key);
  if (m.IsNull()) return std::nullopt;
  if (!m.IsMap()) {
    r.fail(m, path, "expected a map of label names to values, got " + describe(m));
    return std::nullopt;
  }
  core::LabelPairs out;
  bool ok = true;
  for (const auto& kv : m) {
    const YAML::Node& k = kv.first;
    const YAML::Node& v = kv.second;
    const std::string name = k.IsScalar() ? k.Scalar() : std::string();
    if (!k.IsScalar() || !valid_label_name(name)) {
      r.fail(k, path, "invalid label name " + describe(k));
      ok = false;
      continue;
    }
    if (name.rfind("__", 0) == 0) {
      r.fail(k, path, "label name " + describe(k) + " is reserved (starts with \"__\")");
      ok = false;
      continue;
    }
    if (!v.IsScalar() || v.Scalar().empty()) {
      r.fail(v.IsNull() ? k : v, join(path, name),
             "expected a non-empty label value, got " + describe(v));
      ok = false;
      continue;
    }
    if (std::any_of(out.begin(), out.end(), [&](const auto& l) { return l.first == name; })) {
      r.fail(k, path, "label " + describe(k) + " given twice");
      ok = false;
      continue;
    }
    out.emplace_back(name, v.Scalar());
  }
  if (!ok) return std::nullopt;
  std::sort(out.begin(), out.end());
  return out;
}

/// A list of non-empty strings (a single string reads as a list of one).
void read_string_list(Reader& r, const YAML::Node& n, const std::string& p, std::string_view key,
                      std::vector<std::string>& out) {
  const YAML::Node& cn = n;
  if (!cn.IsMap() || !cn[std::string(key)]) return;
  const YAML::Node list = r.child(n, key);
  const std::string path = join(p, key);
  if (list.IsNull()) {
    out.clear();
    return;
  }
  if (!list.IsSequence()) {
    r.fail(list, path, "expected a list of paths or globs, got " + describe(list));
    return;
  }
  std::vector<std::string> values;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    if (!item.IsScalar() || item.Scalar().empty()) {
      r.fail(item, path, "expected a path or glob, got " + describe(item));
      return;
    }
    values.push_back(item.Scalar());
  }
  out = std::move(values);
}

}  // namespace

void read_rules(Reader& r, const YAML::Node& n, const std::string& p, rules::RulesOptions& out) {
  if (!r.only_keys(n, p,
                   {"files", "evaluation_interval", "for_outage_tolerance", "for_grace_period",
                    "max_history_series", "publish_alerts_series", "state_file"})) {
    return;
  }
  read_string_list(r, n, p, "files", out.files);
  r.duration(n, p, "evaluation_interval", out.evaluation_interval, 1s, 24h);
  r.duration(n, p, "for_outage_tolerance", out.for_outage_tolerance, 0ms);
  r.duration(n, p, "for_grace_period", out.for_grace_period, 0ms);
  r.integer(n, p, "max_history_series", out.max_history_series, 1, 100'000'000);
  r.boolean(n, p, "publish_alerts_series", out.publish_alerts_series);
  const YAML::Node& cn = n;
  if (cn.IsMap()) {
    // A quoted "" is the default (the state directory).
    const YAML::Node v = cn["state_file"];
    if (v && v.IsScalar() && v.Scalar().empty() && v.Tag() == "!") {
      out.state_file.clear();
      return;
    }
  }
  r.path(n, p, "state_file", out.state_file);
}

void read_global(Reader& r, const YAML::Node& n, const std::string& p, core::GlobalOptions& out) {
  if (!r.only_keys(n, p, {"series_labels", "external_labels"})) return;
  if (auto l = read_labels(r, n, p, "series_labels")) out.series_labels = std::move(*l);
  if (auto l = read_labels(r, n, p, "external_labels")) out.external_labels = std::move(*l);
}

}  // namespace sonde::config
