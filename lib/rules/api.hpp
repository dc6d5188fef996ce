// `GET /api/v1/rules` and `GET /api/v1/alerts` in Prometheus 2.42's JSON (web/api/v1/api.go:
// RuleDiscovery, RuleGroup, AlertingRule, RecordingRule, AlertDiscovery, Alert), rendered from the
// groups' state. lib/http knows nothing of rules: daemon/ hands these to the router as callbacks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/group.hpp"

namespace sonde::rules {

class Manager;

/// An API answer: the HTTP status and the JSON body (Prometheus's envelope, `{"status":
/// "success","data":...}` or `{"status":"error","errorType":...,"error":...}`).
struct ApiResponse {
  int status = 200;
  std::string body;
};

/// What the APIs show of a rule, copied from it after an evaluation.
struct RuleView {
  bool alerting = false;
  std::string name;
  std::string query;  // the expression as Prometheus prints it
  std::int64_t for_ms = 0;
  std::int64_t keep_firing_for_ms = 0;
  promql::Labels labels;
  std::vector<std::pair<std::string, std::string>> annotations;
  AlertState state = AlertState::inactive;  // the highest of its alerts' (resolved ones included)
  std::vector<Alert> alerts;                // not resolved, sorted by labels
  RuleHealth health = RuleHealth::unknown;
  std::string last_error;
  double evaluation_seconds = 0;
  std::int64_t last_evaluation_ms = 0;
};

struct GroupView {
  std::string name;
  std::string file;
  std::int64_t interval_ms = 0;
  std::int64_t limit = 0;
  double evaluation_seconds = 0;
  std::int64_t last_evaluation_ms = 0;
  std::vector<RuleView> rules;
};

/// The groups as the APIs show them, sorted by file then name (Prometheus's RuleGroups order).
/// The manager builds one after every pass that evaluated (and after a load), so a request
/// renders from a copy and never waits for an evaluation.
using ApiView = std::vector<GroupView>;
ApiView make_api_view(const std::vector<const Group*>& groups);

/// /api/v1/rules: the groups, their rules in file order. `type` is the query parameter: ""
/// (all), "alert" or "record" (any case); anything else is Prometheus's 400 bad_data.
ApiResponse api_rules(const ApiView& view, std::string_view type);
/// /api/v1/alerts: every alert that is not resolved, of every alerting rule.
ApiResponse api_alerts(const ApiView& view);

/// The same, from the manager's latest view.
ApiResponse api_rules(const Manager& manager, std::string_view type);
ApiResponse api_alerts(const Manager& manager);

/// Go's time.Time JSON for a UTC time in ms since the epoch (RFC 3339 with the fraction's trailing
/// zeros dropped): "2023-02-01T10:00:05.25Z"; 0 is Go's zero time, "0001-01-01T00:00:00Z".
std::string go_time(std::int64_t ms);

}  // namespace sonde::rules
