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

/// /api/v1/rules: the groups sorted by file then name (Prometheus's RuleGroups order), their
/// rules in file order. `type` is the query parameter: "" (all), "alert" or "record" (any case);
/// anything else is Prometheus's 400 bad_data.
ApiResponse api_rules(const std::vector<const Group*>& groups, std::string_view type);
/// /api/v1/alerts: every alert that is not resolved, of every alerting rule.
ApiResponse api_alerts(const std::vector<const Group*>& groups);

/// The same, read from the manager under its lock.
ApiResponse api_rules(const Manager& manager, std::string_view type);
ApiResponse api_alerts(const Manager& manager);

/// Go's time.Time JSON for a UTC time in ms since the epoch (RFC 3339 with the fraction's trailing
/// zeros dropped): "2023-02-01T10:00:05.25Z"; 0 is Go's zero time, "0001-01-01T00:00:00Z".
std::string go_time(std::int64_t ms);

}  // namespace sonde::rules
