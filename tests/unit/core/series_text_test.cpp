#include "core/series_text.hpp"

#include <catch2/catch.hpp>

namespace sonde::core {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("series text parses back into its labels, in order", "[core][series_text]") {
  CHECK(parse_series_text("node_load1") == Pairs{{"__name__", "node_load1"}});
  CHECK(parse_series_text("ns:rule{}") == Pairs{{"__name__", "ns:rule"}});
  CHECK(parse_series_text(R"(x_total{b="2",a="q\"u\\o\nte",c="",d="}"})") ==
        Pairs{{"__name__", "x_total"}, {"b", "2"}, {"a", "q\"u\\o\nte"}, {"c", ""}, {"d", "}"}});
  CHECK(parse_series_text(R"(m{a="1",})") == Pairs{{"__name__", "m"}, {"a", "1"}});
}

TEST_CASE("series text that is not sonde's form is refused", "[core][series_text]") {
  for (const char* bad :
       {"", "{a=\"1\"}", "1m", "x{a=1}", "x{a=\"1\"", "x{a=\"1\",a=\"2\"}", "x y", "x{1a=\"1\"}",
        "x{a:b=\"1\"}", "x{a=\"1\"}z", "x{a=\"1\"}}", "x{a=\"1\"b=\"2\"}", "x{a=\"1\\", "x{,}"}) {
    INFO(bad);
    CHECK_FALSE(parse_series_text(bad));
  }
}

}  // namespace
}  // namespace sonde::core
