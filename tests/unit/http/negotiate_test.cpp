#include "http/negotiate.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace sonde::http {
namespace {

// What Prometheus 2.42 sends when scraping (scrape/scrape.go, acceptHeader).
constexpr const char* kPrometheus242 =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
// What Prometheus 2.2x-2.41 sent.
constexpr const char* kPrometheus240 =
    "application/openmetrics-text; version=0.0.1,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

TEST_CASE("Accept negotiation picks the format the client prefers", "[http][negotiate]") {
  const std::pair<std::string, Format> cases[] = {
      {kPrometheus242, Format::openmetrics_1_0_0},
      {kPrometheus240, Format::openmetrics_0_0_1},
      {"", Format::text_0_0_4},
      {"*/*", Format::text_0_0_4},  // curl, browsers
      {"text/plain", Format::text_0_0_4},
      {"text/*", Format::text_0_0_4},
      {"application/openmetrics-text", Format::openmetrics_1_0_0},
      {"application/*", Format::openmetrics_1_0_0},
      {"APPLICATION/OpenMetrics-Text; Version=1.0.0", Format::openmetrics_1_0_0},
      {"application/openmetrics-text; version=\"1.0.0\"", Format::openmetrics_1_0_0},
      // q decides, not order.
      {"text/plain;q=0.9, application/openmetrics-text", Format::openmetrics_1_0_0},
      {"application/openmetrics-text;q=0.5, text/plain", Format::text_0_0_4},
      // Equal q: the range listed first.
      {"application/openmetrics-text, text/plain", Format::openmetrics_1_0_0},
      {"text/plain, application/openmetrics-text", Format::text_0_0_4},
      // q=0 means "not this", even when a wildcard would allow it.
      {"application/openmetrics-text;q=0, */*", Format::text_0_0_4},
      {"text/plain;q=0, */*;q=0.1", Format::openmetrics_1_0_0},
      {"application/openmetrics-text;version=1.0.0;q=0, application/openmetrics-text",
       Format::openmetrics_0_0_1},
      // A version sonde does not speak does not match.
      {"application/openmetrics-text;version=2.0.0", Format::text_0_0_4},
      {"text/plain;version=1.0.0", Format::text_0_0_4},
      // Nothing acceptable, malformed or q=0 everywhere: text anyway (never 406).
      {"image/png", Format::text_0_0_4},
      {"*/*;q=0", Format::text_0_0_4},
      {"application/openmetrics-text;q=2", Format::text_0_0_4},
      {"application/openmetrics-text;q=abc, text/plain;q=0.1", Format::text_0_0_4},
      {"application/openmetrics-text;q=0.0001", Format::text_0_0_4},
      {",,;,/,*/,/*,;q=1", Format::text_0_0_4},
      {"application/openmetrics-text;q=0.001", Format::openmetrics_1_0_0},
      {" application/openmetrics-text ; q=1.000 ", Format::openmetrics_1_0_0},
  };
  for (const auto& [accept, want] : cases) {
    CAPTURE(accept);
    CHECK(negotiate_format(accept) == want);
  }
}

TEST_CASE("content types name the negotiated format", "[http][negotiate]") {
  CHECK(content_type(Format::text_0_0_4) == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(content_type(Format::openmetrics_1_0_0) ==
        "application/openmetrics-text; version=1.0.0; charset=utf-8");
  CHECK(content_type(Format::openmetrics_0_0_1) ==
        "application/openmetrics-text; version=0.0.1; charset=utf-8");
}

TEST_CASE("Accept-Encoding allows gzip unless it says otherwise", "[http][negotiate]") {
  const std::pair<std::string, bool> cases[] = {
      {"gzip", true},
      {"GZIP", true},
      {"x-gzip", true},
      {"gzip, deflate, br", true},
      {"deflate, gzip;q=0.5", true},
      {"*", true},
      {"br;q=1, *;q=0.1", true},
      {"", false},
      {"identity", false},
      {"deflate, br", false},
      {"gzip;q=0", false},
      {"gzip;q=0.000", false},
      {"*, gzip;q=0", false},  // named beats the wildcard
      {"gzip;q=0, *", false},
      {"*;q=0", false},
      {"gzip;q=bad", false},
      {"gzip;q=0.001", true},
      {" gzip ; q=1 ", true},
  };
  for (const auto& [header, want] : cases) {
    CAPTURE(header);
    CHECK(accepts_gzip(header) == want);
  }
}

}  // namespace
}  // namespace sonde::http
