#include "ingest/names.hpp"

#include <catch2/catch.hpp>

using namespace sonde::ingest;

TEST_CASE("names: statsd_exporter's escaping", "[ingest][names]") {
  CHECK(sanitize_name("api.request-duration") == "api_request_duration");
  CHECK(sanitize_name("ok_Name_09") == "ok_Name_09");
  CHECK(sanitize_name("9lives") == "_9lives");
  CHECK(sanitize_name("") == "");
  CHECK(sanitize_name("a:b") == "a_b");                // ':' is not kept (statsd_exporter's rule)
  CHECK(sanitize_name("\xc3\xa9t\xc3\xa9") == "_t_");  // one '_' per UTF-8 character
  CHECK(sanitize_name("a\xff\xfe") == "a__");          // and per byte of invalid UTF-8
  CHECK(sanitize_name("\xf0\x9f\x98\x80x") == "_x");
}

TEST_CASE("names: tag names that Prometheus reserves get a tag_ prefix", "[ingest][names]") {
  CHECK(sanitize_label_name("env") == "env");
  CHECK(sanitize_label_name("my.tag") == "my_tag");
  CHECK(sanitize_label_name("le") == "tag_le");
  CHECK(sanitize_label_name("quantile") == "tag_quantile");
  CHECK(sanitize_label_name("__name__") == "tag___name__");
  CHECK(sanitize_label_name("..x") == "tag___x");  // reserved after escaping
  CHECK(sanitize_label_name("_x") == "_x");
  CHECK(sanitize_label_name("lee") == "lee");
}

TEST_CASE("names: metric and label name validity", "[ingest][names]") {
  CHECK(is_valid_metric_name("a"));
  CHECK(is_valid_metric_name("job:rate5m:sum"));
  CHECK(is_valid_metric_name("_x9"));
  CHECK_FALSE(is_valid_metric_name(""));
  CHECK_FALSE(is_valid_metric_name("9x"));
  CHECK_FALSE(is_valid_metric_name("a-b"));
  CHECK_FALSE(is_valid_metric_name("caf\xc3\xa9"));
  CHECK(is_valid_label_name("le"));
  CHECK(is_valid_label_name("_a1"));
  CHECK_FALSE(is_valid_label_name("a:b"));
  CHECK_FALSE(is_valid_label_name("1a"));
  CHECK_FALSE(is_valid_label_name(""));
}
