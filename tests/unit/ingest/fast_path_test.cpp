// The ingest fast path (Aggregator::fast_line): a line whose raw key (name + the bytes after the
// value) the worker has cached parses only its value. Each case feeds the same lines to an
// aggregator with the fast path and one without (every line fully parsed) and requires the
// same scrape, counters included, besides the values the case expects.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "config/mapping.hpp"
#include "core/clock.hpp"
#include "ingest/aggregator.hpp"
#include "ingest/origin.hpp"
#include "scrape.hpp"

using namespace sonde;
using namespace sonde::ingest;
using namespace std::chrono_literals;

namespace {

/// Two aggregators on one fake clock: `fast` as sonde runs, `full` with the fast path off.
struct Pair {
  explicit Pair(IngestOptions o = {}, std::shared_ptr<const Mapper> m = nullptr)
      : fast(o, m, clock), full(o, m, clock), wf(fast.worker("test")), wp(full.worker("test")) {
    full.set_fast_path(false);
  }
  void send(std::string_view payload, const Origin* origin = nullptr) {
    fast.ingest(wf, payload, origin);
    full.ingest(wp, payload, origin);
  }
  /// The fast aggregator's scrape, after checking that the other one's is the same.
  std::map<std::string, double> scrape() {
    auto a = unit::scrape(fast);
    auto b = unit::scrape(full);
    CHECK(a == b);
    return a;
  }
  core::FakeClock clock;
  Aggregator fast;
  Aggregator full;
  Worker& wf;
  Worker& wp;
};

const std::string kAccepted = "sonde_ingest_lines_total{listener=\"test\",result=\"accepted\"}";
const std::string kMalformed = "sonde_ingest_lines_total{listener=\"test\",result=\"malformed\"}";

std::string dropped(const std::string& reason) {
  return "sonde_ingest_dropped_total{reason=\"" + reason + "\"}";
}

}  // namespace

TEST_CASE("fast path: a hit, then lines that differ in sample rate, tag order, a trailing byte",
          "[ingest][fast]") {
  Pair p;
  p.send("req:1|c|#route:/a,code:200");
  p.send("req:1|c|#route:/a,code:200");              // a hit
  p.send("req:1|c|@0.5|#route:/a,code:200");         // another key: the rate counts
  p.send("req:1|c|@0.5|#route:/a,code:200");         // its own hit, rate and all
  p.send("req:1|c|#code:200,route:/a");              // another tag order: an alias
  p.send("req:1|c|#code:200,route:/a");              // hit through the alias
  p.send("req:1|c|#route:/a,code:2000");             // one byte more: another series
  p.send("req:1|c|#route:/a,code:200|");             // a trailing '|': malformed
  p.send("req:1|c|#route:/a,code:200\r");            // a '\r' is dropped: the first key
  p.send("req:1|c|#route:/a,code:200|T1700000000");  // an extension field: same series
  auto s = p.scrape();
  CHECK(s["req_total{code=\"200\",route=\"/a\"}"] == 1 + 1 + 2 + 2 + 1 + 1 + 1 + 1);
  CHECK(s["req_total{code=\"2000\",route=\"/a\"}"] == 1);
  CHECK(s[kMalformed] == 1);
  CHECK(s[kAccepted] == 9);
  CHECK(p.fast.series_count() == 2);
}

TEST_CASE("fast path: value forms after a hit", "[ingest][fast]") {
  Pair p;
  p.send("g:1|g\ng:1|g");
  CHECK(p.scrape()["g"] == 1);
  p.send("g:-3|g");  // a delta
  CHECK(p.scrape()["g"] == -2);
  p.send("g:1.5|g");
  CHECK(p.scrape()["g"] == 1.5);
  p.send("g:1e3|g");
  CHECK(p.scrape()["g"] == 1000);
  p.send("g:+2|g");  // a delta
  CHECK(p.scrape()["g"] == 1002);
  p.send("g:-0|g");  // a delta of zero
  CHECK(p.scrape()["g"] == 1002);
  p.send("g:1:2:3|g");  // several values: the full parse, the same key
  CHECK(p.scrape()["g"] == 3);
  p.send("g:x|g\ng:|g\ng:1e999|g\ng:nan|g\ng: 1|g");  // malformed, each
  CHECK(p.scrape()[kMalformed] == 5);
  CHECK(p.scrape()["g"] == 3);

  p.send("c:1|c\nc:1|c\nc:1:2:3|c\nc:2.5|c\nc:-3|c\nc:-1:2|c");
  auto s = p.scrape();
  CHECK(s["c_total"] == 1 + 1 + 6 + 2.5);
  CHECK(s[dropped("negative_counter")] == 2);

  p.send("t:100|ms\nt:300|ms|#\nt:300|ms");  // timers in seconds (an empty tags field: its key)
  s = p.scrape();
  CHECK(s["t_sum"] == Approx(0.7));
  CHECK(s["t_count"] == 3);

  p.send("u:a|s\nu:b|s\nu:a|s\nu:a:c|s");
  CHECK(p.scrape()["u"] == 3);
}

TEST_CASE("fast path: a series expired by its ttl comes back from the same bytes",
          "[ingest][fast]") {
  IngestOptions o;
  o.ttl = 10s;
  Pair p(o);
  p.send("up:1|c|#h:a\nup:1|c|#h:a");
  CHECK(p.scrape()["up_total{h=\"a\"}"] == 2);
  p.clock.advance(11s);
  auto s = p.scrape();  // expires it
  CHECK(s.count("up_total{h=\"a\"}") == 0);
  CHECK(p.fast.expired_total() == 1);
  p.send("up:1|c|#h:a");  // the cached key points at an expired series: registered again
  p.send("up:1|c|#h:a");
  CHECK(p.scrape()["up_total{h=\"a\"}"] == 2);
  CHECK(p.fast.series_count() == 1);
}

TEST_CASE("fast path: limits still apply to a line whose key is cached", "[ingest][fast]") {
  IngestOptions o;
  o.max_line_bytes = 40;
  o.max_tags = 2;
  Pair p(o);
  p.send("req:1|c|#a:1,b:2\nreq:1|c|#a:1,b:2");
  p.send("req:1000000000000000000000000000000|c|#a:1,b:2");  // 43 bytes: too long
  p.send("req:1|c|#a:1,b:2,c:3");                            // too many tags
  p.send("r:1|c");                                           // under 8 bytes: full parse
  p.send("r:1|c");
  auto s = p.scrape();
  CHECK(s["req_total{a=\"1\",b=\"2\"}"] == 2);
  CHECK(s[dropped("line_too_long")] == 1);
  CHECK(s[dropped("too_many_tags")] == 1);
  CHECK(s["r_total"] == 2);
}

TEST_CASE("fast path: overflow after a hit is dropped as the full parse drops it",
          "[ingest][fast]") {
  Pair p;
  p.send("big:1e308|g\nbig:+1e308|g\nbig:+1e308|g");  // the last sum overflows
  p.send("n:1e308|c|@0.01\nn:1e308|c|@0.01");         // scaled past float64's range
  auto s = p.scrape();
  CHECK(s["big"] == 1e308);
  CHECK(s[dropped("overflow")] == 4);
}

TEST_CASE("fast path: mapped names and a mapping's drop", "[ingest][fast]") {
  auto spec = config::load_mapping_string(R"(mappings:
  - match: "api.*.requests"
    name: "api_requests_total"
    labels:
      service: "$1"
  - match: "debug.*"
    action: drop
  - match: "scaled.*"
    name: "scaled_total"
    scale: 10
)",
                                          "m.yml");
  REQUIRE(spec.ok());
  auto m = Mapper::compile(std::move(*spec));
  REQUIRE(m.ok());
  Pair p({}, std::make_shared<const Mapper>(std::move(*m)));
  p.send("api.users.requests:1|c|#region:eu\napi.users.requests:2|c|#region:eu");
  p.send("debug.x:1|g\ndebug.x:1|g");
  p.send("scaled.a:1|c\nscaled.a:1|c");
  auto s = p.scrape();
  CHECK(s["api_requests_total{region=\"eu\",service=\"users\"}"] == 3);
  CHECK(s[dropped("mapping_drop")] == 2);
  CHECK(s["scaled_total"] == 20);
}

TEST_CASE("fast path: origin ids and container fields are part of the key", "[ingest][fast]") {
  IngestOptions o;
  o.origin_detection = true;
  Pair p(o);
  const std::string id(64, 'a');
  Origin a;
  a.id = 124;  // its low byte is '|', which must not split the key
  a.container_id = id;
  Origin b;
  b.id = 2;
  for (int i = 0; i < 3; ++i) {
    p.send("req:1|c|#r:x", &a);
    p.send("req:1|c|#r:x", &b);
    p.send("req:1|c|#r:x|c:in-123", nullptr);  // ignored (an inode), counted on every line
    p.send("req:1|c|#r:x|c:" + std::string(64, 'b'), &a);  // overridden by the kernel's answer
    p.send("req:1|c|#r:x|c:ci-" + std::string(64, 'c'), nullptr);
  }
  auto s = p.scrape();
  CHECK(s["req_total{container_id=\"" + id + "\",r=\"x\"}"] == 6);
  CHECK(s["req_total{r=\"x\"}"] == 6);
  CHECK(s["req_total{container_id=\"" + std::string(64, 'c') + "\",r=\"x\"}"] == 3);
  CHECK(p.fast.field_ignored(FieldIgnored::inode) == 3);
  CHECK(p.fast.field_ignored(FieldIgnored::overridden) == 3);
}

TEST_CASE("fast path: per-line fields make no keys of their own", "[ingest][fast]") {
  IngestOptions o;
  o.max_series = 10;
  Pair p(o);
  for (int i = 0; i < 1000; ++i) {
    p.send("ts:1|c|#k:v|T" + std::to_string(1700000000 + i) + "\nts:1|c|#k:v|e:x" +
           std::to_string(i));
  }
  auto s = p.scrape();
  CHECK(s["ts_total{k=\"v\"}"] == 2000);
  CHECK(p.fast.series_count() == 1);
  CHECK(s[dropped("cardinality_limit")] == 0);
}

TEST_CASE("fast path: events and service checks keep their own path", "[ingest][fast]") {
  Pair p;
  p.send("_e{2,2}:hi|yo\n_e{2,2}:hi|yo\n_sc|db|2\n_sc|db|1\n_m:1|g\n_m:1|g");
  auto s = p.scrape();
  CHECK(s["sonde_app_service_check_status{check=\"db\"}"] == 1);
  CHECK(s["_m"] == 1);
}
