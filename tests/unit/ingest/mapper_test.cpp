#include "ingest/mapper.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "core/clock.hpp"
#include "ingest/aggregator.hpp"
#include "support/test_support.hpp"

using namespace sonde;
using namespace sonde::ingest;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<const Mapper> load(const std::string& yaml) {
  std::vector<std::string> warnings;
  auto m = Mapper::load_string(yaml, "m.yml", warnings);
  if (!m.ok()) FAIL(m.message());
  return std::make_shared<const Mapper>(std::move(*m));
}

std::string load_error(const std::string& yaml) {
  std::vector<std::string> warnings;
  auto m = Mapper::load_string(yaml, "m.yml", warnings);
  return m.ok() ? std::string("(loaded)") : m.message();
}

std::map<std::string, double> scrape(Aggregator& a) {
  core::SnapshotBuilder b;
  a.collect(b);
  std::map<std::string, double> out;
  for (const auto& f : b.take().families) {
    for (const auto& s : f.samples) out[s.series] = s.value;
  }
  return out;
}

}  // namespace

TEST_CASE("mapper: globs capture components, templates expand", "[ingest][mapper]") {
  std::vector<std::string> warnings;
  auto m = Mapper::load_file(test::fixture_root() / "dogstatsd/mapping.yml", warnings);
  REQUIRE(m.ok());
  CHECK(warnings.empty());
  auto r = m->map("api.users.requests", MetricKind::counter);
  REQUIRE(r);
  CHECK(r->name == "api_requests_total");
  CHECK(r->labels ==
        std::vector<std::pair<std::string, std::string>>{{"service", "users"}, {"literal", "x$y"}});
  r = m->map("api.users.errors", MetricKind::counter);
  REQUIRE(r);
  CHECK(r->name == "api_errors");
  CHECK(!m->map("api.users", MetricKind::counter));
  CHECK(!m->map("api.users.a.b", MetricKind::counter));  // '*' does not cross '.'
  r = m->map("jobs.email.failed", MetricKind::counter);
  REQUIRE(r);
  CHECK(r->name == "jobs_failed_total");
  CHECK(r->labels[0].second == "email");
  CHECK(m->map("debug.anything", MetricKind::gauge)->rule->drop);
  CHECK(m->map("timing.db", MetricKind::timer)->name == "timing_seconds");
  CHECK(m->map("timing.db", MetricKind::counter)->name == "timing_calls_total");
  CHECK(!m->map("timing.db", MetricKind::gauge));
}

TEST_CASE("mapper: Go template semantics", "[ingest][mapper]") {
  std::smatch sm;
  const std::string s = "a.b";
  REQUIRE(std::regex_match(s, sm, std::regex("(a)\\.(b)")));
  CHECK(expand_template("$1_x", sm) == "");  // Go: group "1_x"
  CHECK(expand_template("${1}_x", sm) == "a_x");
  CHECK(expand_template("$2$1", sm) == "ba");
  CHECK(expand_template("$$1", sm) == "$1");
  CHECK(expand_template("$9", sm) == "");
  CHECK(expand_template("cost$", sm) == "cost$");
}

TEST_CASE("mapper: glob ordering", "[ingest][mapper]") {
  const std::string rules = R"(
mappings:
  - match: "a.*.c"
    name: "first"
  - match: "a.b.*"
    name: "second"
)";
  CHECK(load(rules)->map("a.b.c", MetricKind::gauge)->name == "first");
  // statsd_exporter's FSM: a literal component beats '*' at the first place they differ.
  CHECK(load("defaults:\n  glob_disable_ordering: true\n" + rules)
            ->map("a.b.c", MetricKind::gauge)
            ->name == "second");
  // Globs before regexes, whatever the file order.
  CHECK(load("mappings:\n  - match: '.'\n    match_type: regex\n    name: re\n"
             "  - match: 'x.*'\n    name: glob\n")
            ->map("x.y", MetricKind::gauge)
            ->name == "glob");
}

TEST_CASE("mapper: strict loading", "[ingest][mapper]") {
  CHECK(load_error("mappings:\n  - match: a\n    name: a\n    honor_labels: true\n") ==
        "m.yml:4:5: mappings[0].honor_labels: unknown key \"honor_labels\" (not supported by "
        "sonde)");
  CHECK(load_error("defaults:\n  quantile_defaults: 1\n") ==
        "m.yml:2:3: defaults.quantile_defaults: unknown key \"quantile_defaults\" (not supported "
        "by sonde)");
  CHECK(load_error("mappings:\n  - match: a\n") ==
        "m.yml:2:5: mappings[0]: line 2: metric mapping didn't set a metric name");
  CHECK(load_error("mappings:\n  - match: '('\n    match_type: regex\n    name: a\n")
            .rfind("m.yml:2:12: mappings[0].match: invalid regex", 0) == 0);
  CHECK(load_error("mappings:\n  - match: a\n    name: a\n    labels: {'bad-name': x}\n") ==
        "m.yml:4:14: mappings[0].labels.bad-name: invalid label name \"bad-name\"");
  CHECK(load_error("mappings:\n  - match: a\n    name: a\n    ttl: soon\n") ==
        "m.yml:4:10: mappings[0].ttl: expected a duration such as 5m or 1h30m, got \"soon\"");
  CHECK(load_error("mappings:\n  - match: a\n    name: a\n    observer_type: gauge\n") ==
        "m.yml:4:20: mappings[0].observer_type: expected histogram or summary, got \"gauge\"");
  CHECK(load_error("mappings: [\n").rfind("m.yml:2:1: invalid YAML", 0) == 0);
  CHECK(load_error("defaults:\n  histogram_options:\n    buckets: [2, 1]\n") ==
        "m.yml:3:18: defaults.histogram_options.buckets: buckets must be strictly increasing");
}

TEST_CASE("mapper: native histogram and summary tuning keys warn once", "[ingest][mapper]") {
  std::vector<std::string> warnings;
  auto m = Mapper::load_file("/work/shared/corpus/statsd_exporter/config.example.yml", warnings);
  if (!m.ok()) {
    // The corpus lives beside the repository; the integration test covers it too.
    m = Mapper::load_file(test::fixture_root() /
                              "../../../shared/corpus/statsd_exporter/"
                              "config.example.yml",
                          warnings);
  }
  REQUIRE(m.ok());
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("age_buckets, buf_cap, error, native_histogram_bucket_factor, "
                         "native_histogram_max_buckets") != std::string::npos);
  CHECK(m->size() == 3);
  auto r = m->map("test.timing.api.aws.success", MetricKind::timer);
  REQUIRE(r);
  CHECK(r->name == "my_timer");
  CHECK(r->labels == std::vector<std::pair<std::string, std::string>>{
                         {"provider", "aws"}, {"outcome", "success"}, {"job", "api_server"}});
  CHECK(m->defaults().glob_disable_ordering);
  CHECK(*m->defaults().observer.buckets ==
        std::vector<double>{.005, .01, .025, .05, .1, .25, .5, 1, 2.5});
}

TEST_CASE("aggregator applies mappings", "[ingest][mapper][aggregator]") {
  std::vector<std::string> warnings;
  auto m = Mapper::load_file(test::fixture_root() / "dogstatsd/mapping.yml", warnings);
  REQUIRE(m.ok());
  core::FakeClock clock;
  Aggregator agg({}, std::make_shared<const Mapper>(std::move(*m)), clock);
  Worker& w = agg.worker("t");
  agg.ingest(w,
             "api.users.requests:2|c|#service:ignored,region:eu\n"
             "api.users.latency:0.5|h\n"
             "jobs.email.done:1|c\n"
             "debug.noise:1|g\n"
             "timing.db:1500|ms\ntiming.db:500|ms\ntiming.db:1|c\n"
             "bytes.in:2|g\n"
             "unmapped.thing:1|c\n");
  auto s = scrape(agg);
  // Mapping labels win over tags of the same name.
  CHECK(s["api_requests_total{literal=\"x$y\",region=\"eu\",service=\"users\"}"] == 2);
  CHECK(s["api_latency_bucket{service=\"users\",le=\"1\"}"] == 1);  // default buckets from file
  CHECK(s.count("api_latency_bucket{service=\"users\",le=\"0.005\"}") == 0);
  CHECK(s["jobs_done_total{queue=\"email\"}"] == 1);
  CHECK(s["sonde_ingest_dropped_total{reason=\"mapping_drop\"}"] == 1);
  CHECK(s["timing_seconds{op=\"db\",quantile=\"0.5\"}"] == 0.5);
  CHECK(s["timing_seconds{op=\"db\",quantile=\"0.9\"}"] == 1.5);
  CHECK(s["timing_seconds_count{op=\"db\"}"] == 2);
  CHECK(s["timing_calls_total{op=\"db\"}"] == 1);
  CHECK(s["transfer_bytes{dir=\"in\"}"] == 2048);  // scale
  CHECK(s["unmapped_thing_total"] == 1);
  clock.advance(31s);  // transfer_bytes has ttl 30s; the rest none
  s = scrape(agg);
  CHECK(s.count("transfer_bytes{dir=\"in\"}") == 0);
  CHECK(s["unmapped_thing_total"] == 1);
}
