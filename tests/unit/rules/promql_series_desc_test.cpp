// promtool's series notation (series_desc.cpp, parser.ParseSeriesDesc): `metric{a="b"} 1+2x3 _
// stale`, its expansion and its errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <string>

#include "rules/promql/parser.hpp"

using namespace sonde::rules::promql;

TEST_CASE("promql series descriptions expand as the test scripts write them") {
  auto r =
      parse_series_desc("http_requests{job=\"api\", instance=\"0\"} 0+10x3 _ stale _x2 -1-1x1");
  REQUIRE(r.ok());
  CHECK(r->labels.get("__name__") == "http_requests");
  CHECK(r->labels.get("job") == "api");
  REQUIRE(r->values.size() == 4 + 1 + 1 + 2 + 2);
  CHECK(r->values[3].value == 30);
  CHECK(r->values[4].omitted);
  CHECK(is_stale_nan(r->values[5].value));
  CHECK(r->values[9].value == -2);
}

namespace {

/// The values of `input` as text: numbers as %g, `_` for omitted, `stale` for stale markers.
std::string values_of(std::string_view input) {
  auto r = parse_series_desc(input);
  if (!r.ok()) return "ERROR " + r.error().to_string();
  std::string out;
  for (const auto& v : r->values) {
    if (!out.empty()) out += ' ';
    if (v.omitted) {
      out += '_';
    } else if (is_stale_nan(v.value)) {
      out += "stale";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", v.value);
      out += buf;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("series descriptions expand as parse_test.go's testSeries",
          "[rules][promql][series_desc]") {
  CHECK(values_of("{} 1 2 3") == "1 2 3");
  CHECK(values_of("{a=\"b\"} -1 2 3") == "-1 2 3");
  CHECK(values_of("my_metric 1 2 3") == "1 2 3");
  CHECK(values_of("my_metric{} 1 2 3") == "1 2 3");
  CHECK(values_of("my_metric{a=\"b\"} 1 2 3-10x4") == "1 2 3 -7 -17 -27 -37");
  CHECK(values_of("my_metric{a=\"b\"} 1 2 3-0x4") == "1 2 3 3 3 3 3");
  CHECK(values_of("my_metric{a=\"b\"} 1 3 _ 5 _x4") == "1 3 _ 5 _ _ _ _");
  CHECK(values_of("my_metric{a=\"b\"} 1 -1") == "1 -1");
  CHECK(values_of("my_metric{a=\"b\"} 1 +1") == "1 1");
  CHECK(values_of("my_metric{a=\"b\"} 1 -1 -3-10x4 7 9 +5") == "1 -1 -3 -13 -23 -33 -43 7 9 5");
  CHECK(values_of("my_metric{a=\"b\"} 1x4") == "1 1 1 1 1");  // n repetitions after the first
  CHECK(values_of("my_metric{a=\"b\"} 1 2 3 stale 5") == "1 2 3 stale 5");
  CHECK(values_of("my_metric{a=\"b\"} Inf NaN -Inf +Inf") == "inf nan -inf inf");
  CHECK(values_of("my_metric{a=\"b\"} 1e3 2.5e-1 .5") == "1000 0.25 0.5");
  CHECK(values_of("my_metric{a=\"b\"} 1+1e1x2") == "1 11 21");
  CHECK(values_of("my_metric") == "");
  CHECK(values_of("m _x0 1x0") == "1");
}

TEST_CASE("series description labels", "[rules][promql][series_desc]") {
  auto r = parse_series_desc("my_metric{a=\"b\", c='d\\'e', `f`=`g`} 1");
  REQUIRE_FALSE(r.ok());  // label names are identifiers, not strings
  auto ok = parse_series_desc("my:metric{a=\"b\", c='d\\'e', z=`\\n`,} 1");
  REQUIRE(ok.ok());
  CHECK(ok->labels.to_string() == "{__name__=\"my:metric\", a=\"b\", c=\"d'e\", z=\"\\\\n\"}");
  auto bare = parse_series_desc("{__name__=\"up\", job=\"x\"} 1");
  REQUIRE(bare.ok());
  CHECK(bare->labels.get("__name__") == "up");
}

// The messages and columns are promtool 2.42's for the same input_series (it parses
// `<series> <values>`).
TEST_CASE("series description errors", "[rules][promql][series_desc]") {
  CHECK(values_of("my_metric{a=\"b\"} 1 2 stalex3") ==
        "ERROR 1:22: parse error: unexpected identifier \"stalex3\" in series values, expected "
        "number or \"stale\"");
  CHECK(values_of("my_metric{a=\"b\"} 1 2 foo") ==
        "ERROR 1:22: parse error: unexpected identifier \"foo\" in series values, expected "
        "number or \"stale\"");
  CHECK(values_of("1 2 3") == "ERROR 1:1: parse error: unexpected number \"1\" in series values");
  CHECK(values_of("my_metric{a=\"b\" 1") ==
        "ERROR 1:17: parse error: unexpected character inside braces: '1'");
  CHECK(values_of("my_metric{a=\"b\"").find("unexpected end of input inside braces") !=
        std::string::npos);
  CHECK(values_of("my_metric{a} 1") ==
        "ERROR 1:12: parse error: unexpected \"}\" in label set, expected \"=\"");
  CHECK(values_of("my_metric 1+1 1").find("ERROR 1:11:") == 0);  // an increment needs `x<n>`
  CHECK(values_of("my_metric{a=\"b\"} 1 3 _ 5 _a4").find("ERROR 1:26:") == 0);
  // No hexadecimal: the `x` is a repetition, and what follows it must be a count.
  CHECK(values_of("my_metric 0x1F 1") == "ERROR 1:13: parse error: bad number syntax: \"1\"");
  CHECK(values_of("my_metric 0X1F").find("ERROR 1:11:") == 0);
  CHECK(values_of("my_metric 0x12") == "0 0 0 0 0 0 0 0 0 0 0 0 0");
  CHECK(values_of("my_metric 010") == "8");  // strconv.ParseInt(s, 0, 64): octal
}
