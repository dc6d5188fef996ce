#include "core/html.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace sonde::core {
namespace {

using namespace std::string_literals;

TEST_CASE("html_escape writes Go's HTMLEscape entities", "[core][html]") {
  CHECK(html_escape("") == "");
  CHECK(html_escape("plain text 1.0") == "plain text 1.0");
  CHECK(html_escape(R"(<a href="x">Tom & Jerry's</a>)") ==
        "&lt;a href=&#34;x&#34;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  CHECK(html_escape("a\0b"s) ==
        "a\xEF\xBF\xBD"
        "b");
  // Other bytes pass as they are: UTF-8, control characters, invalid sequences.
  CHECK(html_escape("é\t\x01\xff") == "é\t\x01\xff");
}

TEST_CASE("append_html_escaped appends to what is there", "[core][html]") {
  std::string page = "<p>";
  append_html_escaped(page, "1 < 2");
  CHECK(page == "<p>1 &lt; 2");
}

}  // namespace
}  // namespace sonde::core
