// HTML escaping, as Go's text/template HTMLEscape writes it: sonde's landing page and the alert
// templates' `html` function.
#pragma once

#include <string>
#include <string_view>

namespace sonde::core {

/// Appends `s` to `out` with & < > " ' as entities (&amp; &lt; &gt; &#34; &#39;) and NUL as
/// U+FFFD; every other byte as it is.
void append_html_escaped(std::string& out, std::string_view s);
std::string html_escape(std::string_view s);

}  // namespace sonde::core
