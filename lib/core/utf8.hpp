// UTF-8 as Go and the Prometheus formats define it (RFC 3629: no overlong forms, no UTF-16
// surrogates, nothing above U+10FFFF). One decoder for every module that checks or repairs text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sonde::core {

/// The length (1–4) of the valid UTF-8 sequence that starts at `s[i]`, or 0 when none does
/// (`i < s.size()`).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

/// Whether all of `s` is valid UTF-8 (Go's utf8.ValidString, model.LabelValue.IsValid).
bool valid_utf8(std::string_view s);

/// Appends `s` with each byte that starts no valid sequence replaced by U+FFFD, as Go's
/// strings.ToValidUTF8 does per byte (the text format requires UTF-8 label values).
void append_valid_utf8(std::string& out, std::string_view s);

}  // namespace sonde::core
