// lib/ingest/series_registry.cpp: a raw key's first sighting (names, tags into canonical
// labels, reserved names) and registration (type conflicts, max_series).
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>

#include "core/clock.hpp"
#include "ingest/aggregator.hpp"
#include "scrape.hpp"

using namespace sonde;
using namespace sonde::ingest;
using namespace std::chrono_literals;

namespace {

using unit::Fixture;
using unit::scrape;

}  // namespace

TEST_CASE("tags become sorted labels; tag order does not matter", "[ingest][aggregator]") {
  Fixture f;
  f.send("req:1|c|#b:2,a:1\nreq:1|c|#a:1,b:2\nreq:1|c|#a:1");
  CHECK(f.value("req_total{a=\"1\",b=\"2\"}") == 2);
  CHECK(f.value("req_total{a=\"1\"}") == 1);
  CHECK(f.agg.series_count() == 2);
}

TEST_CASE("tag names are sanitized and reserved ones renamed", "[ingest][aggregator]") {
  Fixture f;
  f.send("x:1|c|#le:1,quantile:2,__name__:3,my.tag:4,9lives:5");
  CHECK(f.value("x_total{_9lives=\"5\",my_tag=\"4\",tag___name__=\"3\",tag_le=\"1\","
                "tag_quantile=\"2\"}") == 1);
}

TEST_CASE("valueless, empty and colliding tags are handled and counted", "[ingest][aggregator]") {
  Fixture f;
  f.send("x:1|c|#canary,env:prod,,a.b:2,a_b:1,empty:");
  // canary (no value), the empty tag and empty: are left out; a.b and a_b both become a_b and
  // the smaller value wins, whatever the order.
  CHECK(f.value("x_total{a_b=\"1\",env=\"prod\"}") == 1);
  f.send("x:1|c|#a_b:1,a.b:2,env:prod");
  CHECK(f.value("x_total{a_b=\"1\",env=\"prod\"}") == 2);
  CHECK(f.agg.tag_errors(TagError::no_value) == 2);
  CHECK(f.agg.tag_errors(TagError::empty_name) == 1);
  CHECK(f.agg.tag_errors(TagError::duplicate_label) == 2);
  CHECK(f.value("sonde_ingest_tag_errors_total{reason=\"no_value\"}") == 2);
}

TEST_CASE("names are sanitized", "[ingest][aggregator]") {
  Fixture f;
  f.send("api.request-duration:1|g\n9x:1|g\n\xc3\xa9t\xff:1|g");
  CHECK(f.value("api_request_duration") == 1);
  CHECK(f.value("_9x") == 1);
  CHECK(f.value("_t_") == 1);
}

TEST_CASE("non-UTF-8 tag values become U+FFFD", "[ingest][aggregator]") {
  Fixture f;
  f.send(
      "x:1|g|#k:a\xff"
      "b");
  CHECK(f.value("x{k=\"a\xEF\xBF\xBD"
                "b\"}") == 1);
}

TEST_CASE("a name keeps the first type it was seen with", "[ingest][aggregator]") {
  Fixture f;
  f.send("m:1|g\nm:1|ms\nm:2|g\nh:1|h\nh_bucket:1|g\nh_count:1|c\ns:x|s\ns:1|g");
  CHECK(f.value("m") == 2);
  CHECK(f.dropped("type_conflict") == 4);
  CHECK(f.value("s") == 1);
}

TEST_CASE("max_series bounds the whole aggregator", "[ingest][aggregator]") {
  ingest::IngestOptions o;
  o.max_series = 3;
  Fixture f(o);
  f.send("a:1|c\nb:1|c\nc:1|c\nd:1|c\na:1|c");
  CHECK(f.agg.series_count() == 3);
  CHECK(f.dropped("cardinality_limit") == 1);
  CHECK(f.value("a_total") == 2);
}
