// lib/ingest/snapshot.cpp: what collect() makes of the series (cumulative histogram buckets,
// summary quantiles over their window, set sizes) and the TTL expiry it runs.
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
using unit::types;

}  // namespace

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
