// JSON text as Go's encoding/json writes it (Prometheus's APIs, its notifier, Alertmanager's
// webhooks): nlohmann-json's compact dump in insertion order (build objects in Go's field order,
// maps' keys sorted), bytes that are not UTF-8 replaced by U+FFFD, and <, >, &, U+2028 and U+2029
// escaped as Go's HTML-safe encoder escapes them. Go writes \b and \f as \u0008 and \u000c
// where nlohmann writes the short forms (not reproduced).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace sonde::rules {

std::string go_json_dump(const nlohmann::ordered_json& j);

}  // namespace sonde::rules
