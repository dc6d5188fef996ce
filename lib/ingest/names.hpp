// Turning StatsD names and DogStatsD tags into Prometheus names and labels (slow path only).
#pragma once

#include <string>
#include <string_view>

namespace sonde::ingest {

/// statsd_exporter's escaping: every character outside [a-zA-Z0-9_] becomes '_' (one '_' per
/// UTF-8 character, and per byte of invalid UTF-8); a leading digit gets a '_' prefix.
/// `api.request.duration` -> `api_request_duration`. Empty input stays empty.
std::string sanitize_name(std::string_view name);

/// A tag name as a label name: sanitized as above, and `le`, `quantile` and names starting with
/// `__` (reserved by Prometheus) get a `tag_` prefix.
std::string sanitize_label_name(std::string_view name);

/// True when `name` is a valid Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*).
bool is_valid_metric_name(std::string_view name);
/// True when `name` is a valid label name ([a-zA-Z_][a-zA-Z0-9_]*).
bool is_valid_label_name(std::string_view name);

}  // namespace sonde::ingest
