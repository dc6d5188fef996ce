#include "rules/api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "rules/go_json.hpp"
#include "rules/manager.hpp"
#include "rules/template/format.hpp"

namespace sonde::rules {

namespace {

// Prometheus's structs are marshalled in field order: ordered_json keeps it.
using Json = nlohmann::ordered_json;

// Go marshals a float64 that is a whole number without a fraction ("1", not "1.0"), so a client
// sees an integer where Prometheus gives one.
Json go_number(double v) {
  if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 9.0e15) {
    return static_cast<std::int64_t>(v);
  }
  return v;
}

Json label_map(const promql::Labels& labels) {
  Json out = Json::object();
  for (const auto& l : labels) out[l.name] = l.value;
  return out;
}

Json label_map(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::vector<std::pair<std::string, std::string>> sorted = pairs;
  std::sort(sorted.begin(), sorted.end());
  Json out = Json::object();
  for (const auto& [k, v] : sorted) out[k] = v;
  return out;
}

// rules.Alert as web/api/v1's Alert.
Json alert_json(const Alert& a) {
  Json j = Json::object();
  j["labels"] = label_map(a.labels);
  j["annotations"] = label_map(a.annotations);
  j["state"] = state_name(a.state);
  j["activeAt"] = go_time(a.active_at_ms);
  if (a.keep_firing_since_ms != 0) j["keepFiringSince"] = go_time(a.keep_firing_since_ms);
  j["value"] = tmpl::gofmt::format_float(a.value, 'e', -1);  // strconv.FormatFloat(v, 'e', -1, 64)
  return j;
}

Json rule_json(const RuleView& r) {
  Json j = Json::object();
  if (r.alerting) {
    j["state"] = state_name(r.state);
    j["name"] = r.name;
    j["query"] = r.query;
    j["duration"] = go_number(static_cast<double>(r.for_ms) / 1000.0);
    j["keepFiringFor"] = go_number(static_cast<double>(r.keep_firing_for_ms) / 1000.0);
    j["labels"] = label_map(r.labels);
    j["annotations"] = label_map(r.annotations);
    Json alerts = Json::array();
    for (const Alert& a : r.alerts) alerts.push_back(alert_json(a));
    j["alerts"] = std::move(alerts);
  } else {
    j["name"] = r.name;
    j["query"] = r.query;
    // `labels,omitempty`: a recording rule without labels has no key.
    if (r.labels.size() != 0) j["labels"] = label_map(r.labels);
  }
  j["health"] = health_name(r.health);
  if (!r.last_error.empty()) j["lastError"] = r.last_error;
  j["evaluationTime"] = go_number(r.evaluation_seconds);
  j["lastEvaluation"] = go_time(r.last_evaluation_ms);
  j["type"] = r.alerting ? "alerting" : "recording";
  return j;
}

RuleView rule_view(const Rule& r) {
  RuleView v;
  v.alerting = r.alerting();
  v.name = r.name();
  v.query = r.query();
  v.for_ms = r.for_ms();
  v.keep_firing_for_ms = r.keep_firing_for_ms();
  v.labels = r.labels();
  v.annotations = r.annotations();
  for (const auto& [h, a] : r.active) {
    // AlertingRule.State() counts resolved alerts too; ActiveAlerts() leaves them out.
    v.state = std::max(v.state, a.state);
    if (a.resolved_at_ms == 0) v.alerts.push_back(a);
  }
  // Prometheus's order is a map's; sonde's is by labels.
  std::sort(v.alerts.begin(), v.alerts.end(), [](const Alert& x, const Alert& y) {
    const auto a = x.labels.list(), b = y.labels.list();
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  });
  v.health = r.health;
  v.last_error = r.last_error;
  v.evaluation_seconds = r.last_duration_seconds;
  v.last_evaluation_ms = r.last_eval_ms;
  return v;
}

ApiResponse success(Json data) {
  Json doc = Json::object();
  doc["status"] = "success";
  doc["data"] = std::move(data);
  return {200, go_json_dump(doc)};
}

}  // namespace

std::string go_time(std::int64_t ms) {
  if (ms == 0) return "0001-01-01T00:00:00Z";
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(ms)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> hms{t - day};
  std::string out =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  hms.hours().count(), hms.minutes().count(), hms.seconds().count());
  if (const auto frac = hms.subseconds().count(); frac != 0) {
    std::string f = fmt::format(".{:03}", frac);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

ApiView make_api_view(const std::vector<const Group*>& groups) {
  ApiView view;
  view.reserve(groups.size());
  for (const Group* g : groups) {
    GroupView v;
    v.name = g->name();
    v.file = g->file();
    v.interval_ms = g->interval_ms();
    v.limit = g->limit();
    v.evaluation_seconds = g->last_duration_seconds;
    v.last_evaluation_ms = g->last_eval_ms;
    for (const Rule& r : g->rules()) v.rules.push_back(rule_view(r));
    view.push_back(std::move(v));
  }
  std::sort(view.begin(), view.end(), [](const GroupView& a, const GroupView& b) {
    if (a.file != b.file) return a.file < b.file;
    return a.name < b.name;
  });
  return view;
}

ApiResponse api_rules(const ApiView& view, std::string_view type) {
  std::string typ(type);
  std::transform(typ.begin(), typ.end(), typ.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!typ.empty() && typ != "alert" && typ != "record") {
    Json doc = Json::object();
    doc["status"] = "error";
    doc["errorType"] = "bad_data";
    doc["error"] = "invalid parameter \"type\": not supported value " + tmpl::gofmt::quote(typ);
    return {400, go_json_dump(doc)};
  }
  const bool alerting = typ.empty() || typ == "alert";
  const bool recording = typ.empty() || typ == "record";
  Json out = Json::array();
  for (const GroupView& g : view) {
    Json rules = Json::array();
    for (const RuleView& r : g.rules) {
      if (r.alerting ? alerting : recording) rules.push_back(rule_json(r));
    }
    Json j = Json::object();
    j["name"] = g.name;
    j["file"] = g.file;
    j["rules"] = std::move(rules);
    j["interval"] = go_number(static_cast<double>(g.interval_ms) / 1000.0);
    j["limit"] = g.limit;
    j["evaluationTime"] = go_number(g.evaluation_seconds);
    j["lastEvaluation"] = go_time(g.last_evaluation_ms);
    out.push_back(std::move(j));
  }
  Json data = Json::object();
  data["groups"] = std::move(out);
  return success(std::move(data));
}

ApiResponse api_alerts(const ApiView& view) {
  Json alerts = Json::array();
  for (const GroupView& g : view) {
    for (const RuleView& r : g.rules) {
      for (const Alert& a : r.alerts) alerts.push_back(alert_json(a));
    }
  }
  Json data = Json::object();
  data["alerts"] = std::move(alerts);
  return success(std::move(data));
}

ApiResponse api_rules(const Manager& manager, std::string_view type) {
  return api_rules(*manager.api_view(), type);
}

ApiResponse api_alerts(const Manager& manager) { return api_alerts(*manager.api_view()); }

}  // namespace sonde::rules
