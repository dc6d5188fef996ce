#include "ingest/aggregator.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>

#include "core/clock.hpp"
#include "scrape.hpp"

using namespace sonde;
using namespace sonde::ingest;
using namespace std::chrono_literals;

namespace {

using unit::scrape;

std::map<std::string, core::MetricType> types(Aggregator& a) {
  core::SnapshotBuilder b;
  a.collect(b);
  std::map<std::string, core::MetricType> out;
  for (const auto& f : b.take().families) out[f.name] = f.type;
  return out;
}

using unit::Fixture;

}  // namespace

TEST_CASE("counters add, scale by sample rate and get _total", "[ingest][aggregator]") {
  Fixture f;
  f.send("page.views:1|c\npage.views:2|c|@0.5\npage.views_total:3|c\npage.views:1:2|c");
  CHECK(f.value("page_views_total") == 1 + 4 + 3 + 3);
  CHECK(f.lines("accepted") == 4);
  auto t = types(f.agg);
  CHECK(t["page_views_total"] == core::MetricType::counter);
}

TEST_CASE("gauges set and take +/- deltas", "[ingest][aggregator]") {
  Fixture f;
  f.send("fuel:10|g\nfuel:+5|g\nfuel:-3.5|g");
  CHECK(f.value("fuel") == 11.5);
  f.send("fuel:2|g");
  CHECK(f.value("fuel") == 2);
  f.send("other:-4|g");  // a delta on a new gauge starts from 0
  CHECK(f.value("other") == -4);
}

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

TEST_CASE("histograms: buckets, ms to seconds, h and d as sent, sample rates",
          "[ingest][aggregator]") {
  ingest::IngestOptions o;
  o.histogram_buckets = {0.1, 1, 10};
  Fixture f(o);
  f.send("lat:50|ms\nlat:500|ms|@0.5\nlat:5000|ms");  // 0.05 s, 0.5 s (x2), 5 s
  CHECK(f.value("lat_bucket{le=\"0.1\"}") == 1);
  CHECK(f.value("lat_bucket{le=\"1\"}") == 3);
  CHECK(f.value("lat_bucket{le=\"10\"}") == 4);
  CHECK(f.value("lat_bucket{le=\"+Inf\"}") == 4);
  CHECK(f.value("lat_count") == 4);
  CHECK(f.value("lat_sum") == Approx(0.05 + 1.0 + 5));
  f.send("size:0.1|h\nsize:1|d\nsize:100:1|h");
  CHECK(f.value("size_bucket{le=\"0.1\"}") == 1);  // le: a value equal to a bound counts
  CHECK(f.value("size_bucket{le=\"1\"}") == 3);
  CHECK(f.value("size_bucket{le=\"+Inf\"}") == 4);
  CHECK(f.value("size_sum") == Approx(102.1));
  auto t = types(f.agg);
  CHECK(t["lat"] == core::MetricType::histogram);
}

TEST_CASE("summaries: quantiles over a sliding window", "[ingest][aggregator]") {
  ingest::IngestOptions o;
  o.observer_type = ingest::ObserverType::summary;
  o.summary_max_age = 10min;
  Fixture f(o);
  std::string lines;
  for (int i = 1; i <= 100; ++i) lines += "t:" + std::to_string(i) + "|h\n";
  f.send(lines);
  CHECK(f.value("t{quantile=\"0.5\"}") == 50);
  CHECK(f.value("t{quantile=\"0.9\"}") == 90);
  CHECK(f.value("t{quantile=\"0.99\"}") == 99);
  CHECK(f.value("t_count") == 100);
  CHECK(f.value("t_sum") == 5050);
  f.clock.advance(11min);
  CHECK(std::isnan(f.value("t{quantile=\"0.5\"}")));
  CHECK(f.value("t_count") == 100);  // sum and count are cumulative
  f.send("t:7000|ms");
  CHECK(f.value("t{quantile=\"0.5\"}") == 7);
}

TEST_CASE("sets count distinct values over the window", "[ingest][aggregator]") {
  ingest::IngestOptions o;
  o.set_window = 60s;
  o.max_set_values = 3;
  Fixture f(o);
  f.send("users:alice|s\nusers:bob|s\nusers:alice|s");
  CHECK(f.value("users") == 2);
  f.clock.advance(30s);
  f.send("users:carol|s");
  CHECK(f.value("users") == 3);
  f.send("users:dave|s");  // over max_set_values
  CHECK(f.dropped("set_limit") == 1);
  f.clock.advance(31s);  // alice and bob are older than 60 s
  CHECK(f.value("users") == 1);
}

TEST_CASE("every line is counted once and dropped lines once by reason", "[ingest][aggregator]") {
  ingest::IngestOptions o;
  o.max_series_per_metric = 2;
  Fixture f(o);
  f.send(
      "ok:1|c\n"
      "bad\n"
      "neg:-1|c\n"
      "node_load1:1|g\n"
      "sonde_x:1|g\n"
      "DCGM_FI_X:1|g\n"
      "process_x:1|g\n"
      "ok:1|g\n"  // ok_total is a counter: `ok` as a gauge collides with it
      "lim:1|c|#a:1\n"
      "lim:1|c|#a:2\n"
      "lim:1|c|#a:3\n"  // over max_series_per_metric
      "lim:1|c|#a:1\n"  // existing series keep working
      "\n"
      "x:1|q\n");
  CHECK(f.lines("accepted") == 4);
  CHECK(f.lines("malformed") == 2);
  CHECK(f.lines("dropped") == 7);
  CHECK(f.dropped("malformed") == 2);
  CHECK(f.dropped("negative_counter") == 1);
  CHECK(f.dropped("reserved_name") == 4);
  CHECK(f.dropped("type_conflict") == 1);
  CHECK(f.dropped("cardinality_limit") == 1);
  CHECK(f.value("lim_total{a=\"1\"}") == 2);
  CHECK(!f.has("node_load1"));
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

TEST_CASE("series expire after their TTL and come back as new ones", "[ingest][aggregator]") {
  ingest::IngestOptions o;
  o.ttl = 60s;
  Fixture f(o);
  f.send("a:5|c\nb:1|g");
  f.clock.advance(30s);
  f.send("b:2|g");
  f.clock.advance(31s);
  auto s = scrape(f.agg);
  CHECK(s.count("a_total") == 0);
  CHECK(s["b"] == 2);
  CHECK(s["sonde_ingest_series_expired_total"] == 1);
  CHECK(f.agg.series_count() == 1);
  f.send("a:1|c");  // the worker's cached alias is stale: a new series starts from 0
  CHECK(f.value("a_total") == 1);
}

TEST_CASE("a malformed line does not affect the rest of its datagram", "[ingest][aggregator]") {
  Fixture f;
  static const char kPayload[] = "a:1|c\n:::\x00\xff|\nb:2|c";
  f.send(std::string_view(kPayload, sizeof kPayload - 1));
  CHECK(f.value("a_total") == 1);
  CHECK(f.value("b_total") == 2);
  CHECK(f.lines("malformed") == 1);
}

TEST_CASE("values that overflow on scaling or summation are dropped as overflow",
          "[ingest][aggregator]") {
  ingest::IngestOptions o;
  o.histogram_buckets = {1};
  Fixture f(o);
  // Scaled by the sample rate past float64's range: never +Inf.
  f.send("big:1e308|c|@0.01");
  CHECK(f.dropped("overflow") == 1);
  CHECK(f.value("big_total") == 0);
  // Summed past it: the series keeps its value.
  f.send("sum:1e308|c\nsum:1e308|c\nsum:1e308:1e308|c");
  CHECK(f.dropped("overflow") == 3);
  CHECK(f.value("sum_total") == 1e308);
  // A gauge delta, a histogram's sum, a summary's sum, a sample rate whose weight is +Inf.
  f.send("g:1e308|g\ng:+1e308|g\ng:-1|g");
  CHECK(f.value("g") == 1e308 - 1);
  f.send("h:1e308|h\nh:1e308|h");
  CHECK(f.value("h_sum") == 1e308);
  CHECK(f.value("h_count") == 1);
  CHECK(f.value("h_bucket{le=\"+Inf\"}") == 1);
  f.send("c:1|c|@1e-320");
  CHECK(f.dropped("overflow") == 6);
  CHECK(f.lines("dropped") == 6);
  // What is finite stays accepted, however large.
  f.send("ok:1e307|c|@0.5");
  CHECK(f.value("ok_total") == 2e307);
}

TEST_CASE("summary sums that overflow are dropped as overflow", "[ingest][aggregator]") {
  ingest::IngestOptions o;
  o.observer_type = ingest::ObserverType::summary;
  Fixture f(o);
  f.send("s:1e308|h\ns:1e308|h");
  CHECK(f.dropped("overflow") == 1);
  CHECK(f.value("s_sum") == 1e308);
  CHECK(f.value("s_count") == 1);
}
