// Quoting user-supplied text for error messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sonde::core {

/// `s` in double quotes, with quotes, backslashes and control characters escaped (\n, \r, \t,
/// else \xHH, as Go's strconv.Quote writes them), shortened to `max_shown` characters and "...":
/// a pasted blob must not flood the terminal or the journal. `quote(s, npos)` is Go's `%#v` of a
/// string for ASCII text, the form promtool's messages quote names and values in.
std::string quote(std::string_view s, std::size_t max_shown = 60);

}  // namespace sonde::core
