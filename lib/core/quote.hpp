// Quoting user-supplied text for error messages.
#pragma once

#include <string>
#include <string_view>

namespace sonde::core {

/// `s` in double quotes, with quotes, backslashes and control characters escaped, shortened to
/// 60 characters and "...": a pasted blob must not flood the terminal or the journal.
std::string quote(std::string_view s);

}  // namespace sonde::core
