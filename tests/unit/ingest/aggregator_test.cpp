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


using unit::Fixture;
using unit::types;

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

TEST_CASE("a batch of datagrams: one clock reading, its lines counted at its end",
          "[ingest][aggregator]") {
  IngestOptions o;
  o.ttl = 10s;
  Fixture f(o);
  f.agg.begin_batch(f.w);
  f.clock.advance(9s);  // read once, at begin_batch: the batch's lines are as old as that
  f.agg.ingest_payload(f.w, "a:1|c\nb:1|c");
  f.agg.ingest_payload(f.w, "a:2|c\nbad");
  // Accepted lines reach the listener's counter at end_batch; rejected ones at once.
  CHECK(f.lines("accepted") == 0);
  CHECK(f.lines("malformed") == 1);
  f.agg.end_batch(f.w);
  CHECK(f.lines("accepted") == 3);
  CHECK(f.value("a_total") == 3);
  f.clock.advance(2s);  // 11 s after the batch's reading: past the ttl
  CHECK(!f.has("a_total"));
  CHECK(!f.has("b_total"));
  CHECK(f.agg.expired_total() == 2);
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
