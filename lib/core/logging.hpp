// The process's log output: spdlog's default logger set to the configured level and format
// (`log.format: text` or `json`, one JSON object a line).
#pragma once

#include <spdlog/common.h>

#include <string_view>

#include "core/options.hpp"

namespace sonde::core {

/// Sets the default logger's level, pattern and flushing from `options` (at start and on reload).
void apply_log_options(const LogOptions& options);

/// Appends `text` as the inside of a JSON string (RFC 8259): `"` and `\` escaped, \n \r \t by
/// name, every other control character (and DEL) as \u00XX, valid UTF-8 passed through, and each
/// byte of an invalid UTF-8 sequence as \ufffd (as Go's encoding/json does), so a message that
/// quotes a path, a peer's bytes or a newline still gives one valid JSON object a line.
void append_json_string_body(std::string_view text, spdlog::memory_buf_t& dest);

}  // namespace sonde::core
