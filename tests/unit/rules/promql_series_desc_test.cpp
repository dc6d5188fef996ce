// promtool's series notation (series_desc.cpp, parser.ParseSeriesDesc): `metric{a="b"} 1+2x3 _
// stale`, its expansion and its errors.
#include <catch2/catch.hpp>
#include <cmath>

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
