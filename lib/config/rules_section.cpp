#include "config/rules_section.hpp"

#include <algorithm>
#include <array>

#include "config/http_client_section.hpp"
#include "config/relabel_section.hpp"

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

/// The HTTP client keys an Alertmanager entry and a webhook share (Prometheus's names).
void read_client(Reader& r, const YAML::Node& n, const std::string& p, net::ClientOptions& out) {
  out.timeout = rules::notify::kDefaultNotifyTimeout;
  r.duration(n, p, "timeout", out.timeout, 1ms, 10min);
  read_client_auth(r, n, p, out);
  read_tls_config(r, r.child(n, "tls_config"), join(p, "tls_config"), out.tls);
}

constexpr std::array<std::string_view, 6> kClientKeys = {
    "timeout", "basic_auth", "authorization", "bearer_token", "bearer_token_file", "tls_config"};

std::vector<std::string_view> keys_with(std::initializer_list<std::string_view> more) {
  std::vector<std::string_view> keys(kClientKeys.begin(), kClientKeys.end());
  keys.insert(keys.end(), more);
  return keys;
}

/// One `rules.alertmanagers` entry: `url`, or Prometheus's `static_configs` with `scheme` and
/// `path_prefix` (each target one Alertmanager), so an entry pasted from prometheus.yml works.
void read_alertmanager(Reader& r, const YAML::Node& n, const std::string& p,
                       std::vector<rules::notify::AlertmanagerOptions>& out) {
  const auto keys = keys_with({"url", "static_configs", "scheme", "path_prefix", "api_version"});
  if (!r.only_keys(n, p, keys)) {
    if (!n.IsMap())
      r.fail(n, p, "expected an Alertmanager entry (a map with url), got " + describe(n));
    return;
  }
  net::ClientOptions client;
  read_client(r, n, p, client);
  if (auto v = r.string(n, p, "api_version"); v && v->value != "v2") {
    r.fail(v->node, join(p, "api_version"),
           "sonde speaks Alertmanager's API v2 only (Alertmanager 0.25 has no v1), got " +
               describe(v->node));
  }
  const bool url = has_key(n, "url"), statics = has_key(n, "static_configs");
  if (url == statics) {
    r.fail(n, p, "expected exactly one of url and static_configs");
    return;
  }
  if (url) {
    for (const auto* k : {"scheme", "path_prefix"}) {
      if (has_key(n, k)) r.fail(n, p, std::string(k) + " goes with static_configs, not url");
    }
    if (auto u = read_url(r, n, p, "an Alertmanager")) out.push_back({std::move(*u), client});
    return;
  }
  std::string scheme = "http", prefix = "/";
  r.choice(n, p, "scheme", scheme,
           {{"http", std::string("http")}, {"https", std::string("https")}});
  if (auto v = r.string(n, p, "path_prefix")) prefix = v->value.empty() ? "/" : v->value;
  const YAML::Node list = r.child(n, "static_configs");
  const std::string lp = join(p, "static_configs");
  if (!list.IsSequence()) {
    r.fail(list, lp, "expected a list of static configs, got " + describe(list));
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string ip = lp + "[" + std::to_string(i) + "]";
    const YAML::Node sc = list[i];
    if (!r.only_keys(sc, ip, {"targets"})) continue;
    const YAML::Node targets = r.child(sc, "targets");
    const std::string tp = join(ip, "targets");
    if (!targets.IsSequence()) {
      r.fail(targets, tp, "expected a list of host:port targets, got " + describe(targets));
      continue;
    }
    for (std::size_t j = 0; j < targets.size(); ++j) {
      const YAML::Node t = targets[j];
      const std::string text = t.IsScalar() ? t.Scalar() : std::string();
      auto u = net::parse_url(scheme + "://" + text + prefix);
      if (text.empty() || text.find('/') != std::string::npos || !u.ok()) {
        r.fail(t, tp,
               "expected a host:port target, got " + describe(t) +
                   (u.ok() ? std::string() : ": " + u.message()));
        continue;
      }
      out.push_back({std::move(*u), client});
    }
  }
}

bool valid_group_label(std::string_view s) { return valid_label_name(s); }

void read_webhook(Reader& r, const YAML::Node& n, const std::string& p,
                  std::vector<rules::notify::WebhookOptions>& out) {
  const auto keys = keys_with({"name", "url", "send_resolved", "max_alerts", "group_by",
                               "group_wait", "group_interval", "repeat_interval"});
  if (!r.only_keys(n, p, keys)) {
    if (!n.IsMap())
      r.fail(n, p, "expected a webhook entry (a map with name and url), got " + describe(n));
    return;
  }
  rules::notify::WebhookOptions w;
  read_client(r, n, p, w.client);
  bool ok = true;
  if (auto v = r.string(n, p, "name"); v && !v->value.empty()) {
    w.name = v->value;
    if (std::any_of(out.begin(), out.end(), [&](const auto& o) { return o.name == w.name; })) {
      r.fail(v->node, join(p, "name"), "webhook " + describe(v->node) + " given twice");
      ok = false;
    }
  } else {
    r.fail(v ? v->node : n, join(p, "name"), "a webhook needs a name (the payload's receiver)");
    ok = false;
  }
  auto u = read_url(r, n, p, "a webhook");
  r.boolean(n, p, "send_resolved", w.send_resolved);
  r.integer(n, p, "max_alerts", w.max_alerts, 0, 1'000'000'000);
  const YAML::Node gb = r.child(n, "group_by");
  const std::string gp = join(p, "group_by");
  if (!gb.IsNull()) {
    if (!gb.IsSequence()) {
      r.fail(gb, gp, "expected a list of label names, got " + describe(gb));
    } else {
      for (std::size_t i = 0; i < gb.size(); ++i) {
        const YAML::Node l = gb[i];
        const std::string name = l.IsScalar() ? l.Scalar() : std::string();
        if (name == "..." ? gb.size() != 1 : !valid_group_label(name)) {
          r.fail(l, gp,
                 name == "..." ? "\"...\" groups by every label and stands alone in group_by"
                               : "invalid label name " + describe(l));
          continue;
        }
        if (std::find(w.group_by.begin(), w.group_by.end(), name) != w.group_by.end()) {
          r.fail(l, gp, "duplicated label " + describe(l) + " in group_by");
          continue;
        }
        w.group_by.push_back(name);
      }
    }
  }
  r.duration(n, p, "group_wait", w.group_wait, 0ms);
  r.duration(n, p, "group_interval", w.group_interval, 1ms);
  r.duration(n, p, "repeat_interval", w.repeat_interval, 1ms);
  if (ok && u) {
    w.url = std::move(*u);
    out.push_back(std::move(w));
  }
}

template <class T, class F>
void read_list(Reader& r, const YAML::Node& n, const std::string& p, std::string_view key,
               std::vector<T>& out, std::string_view what, F&& read_one) {
  const YAML::Node list = r.child(n, key);
  const std::string lp = join(p, key);
  if (list.IsNull()) return;
  if (!list.IsSequence()) {
    r.fail(list, lp, "expected a list of " + std::string(what) + ", got " + describe(list));
    return;
  }
  std::vector<T> values;
  for (std::size_t i = 0; i < list.size(); ++i) {
    read_one(r, list[i], lp + "[" + std::to_string(i) + "]", values);
  }
  out = std::move(values);
}

}  // namespace

void read_rules(Reader& r, const YAML::Node& n, const std::string& p, rules::RulesOptions& out) {
  if (!r.only_keys(
          n, p,
          {"files", "evaluation_interval", "for_outage_tolerance", "for_grace_period",
           "max_history_series", "publish_alerts_series", "state_file", "alertmanagers", "webhooks",
           "alert_relabel_configs", "resend_delay", "notification_queue_capacity"})) {
    return;
  }
  read_list(r, n, p, "alertmanagers", out.notify.alertmanagers, "Alertmanager entries",
            read_alertmanager);
  read_list(r, n, p, "webhooks", out.notify.webhooks, "webhook entries", read_webhook);
  read_relabel_configs(r, n, p, "alert_relabel_configs", out.notify.alert_relabel_configs);
  r.duration(n, p, "resend_delay", out.notify.resend_delay, 1s, 24h);
  r.integer(n, p, "notification_queue_capacity", out.notify.queue_capacity, 1, 10'000'000);
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
