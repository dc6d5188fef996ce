#include "ingest/mapper.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "config/mapping.hpp"
#include "core/clock.hpp"
#include "ingest/aggregator.hpp"
#include "scrape.hpp"
#include "support/test_support.hpp"

using namespace sonde;
using namespace sonde::ingest;
using namespace std::chrono_literals;

namespace {

// lib/config reads the file, the mapper compiles it: errors of either, one line each.
core::Result<Mapper, core::Errors> compile(core::Result<MappingSpec, core::Errors> spec) {
  if (!spec.ok()) return spec.error();
  return Mapper::compile(std::move(*spec));
}

core::Result<Mapper, core::Errors> load_file(const std::filesystem::path& path) {
  return compile(config::load_mapping_file(path));
}

std::string joined(const core::Errors& e) {
  std::string out;
  for (const auto& line : e.lines()) out += (out.empty() ? "" : "\n") + line;
  return out;
}

std::shared_ptr<const Mapper> load(const std::string& yaml) {
  auto m = compile(config::load_mapping_string(yaml, "m.yml"));
  if (!m.ok()) FAIL(joined(m.error()));
  return std::make_shared<const Mapper>(std::move(*m));
}

std::string load_error(const std::string& yaml) {
  auto m = compile(config::load_mapping_string(yaml, "m.yml"));
  return m.ok() ? std::string("(loaded)") : joined(m.error());
}

using unit::scrape;

}  // namespace

TEST_CASE("mapper: globs capture components, templates expand", "[ingest][mapper]") {
  auto m = load_file(test::fixture_root() / "dogstatsd/mapping.yml");
  REQUIRE(m.ok());
  CHECK_FALSE(m->warning());
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
  const std::vector<std::string_view> sm = {"a.b", "a", "b"};
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
  CHECK(load_error("mappings:\n  - match: '('\n    match_type: regex\n    name: a\n") ==
        "m.yml:2:12: mappings[0].match: invalid regular expression \"(\": missing ): (");
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
  auto m = load_file("/work/shared/corpus/statsd_exporter/config.example.yml");
  if (!m.ok()) {
    // The corpus lives beside the repository; the integration test covers it too.
    m = load_file(test::fixture_root() /
                  "../../../shared/corpus/statsd_exporter/"
                  "config.example.yml");
  }
  REQUIRE(m.ok());
  REQUIRE(m->warning());
  CHECK(m->warning()->find("age_buckets, buf_cap, error, native_histogram_bucket_factor, "
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
  auto m = load_file(test::fixture_root() / "dogstatsd/mapping.yml");
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

TEST_CASE("mapper: regexes are RE2, searched anywhere as Go's regexp", "[ingest][mapper]") {
  const auto m = load(
      "mappings:\n"
      "  - match: 'req\\.(\\d+)\\.(?P<verb>[a-z]+)'\n"
      "    match_type: regex\n"
      "    name: 'r_$1'\n"
      "    labels: {verb: '${2}'}\n");
  const auto r = m->map("x.req.42.get.y", MetricKind::counter);  // unanchored
  REQUIRE(r);
  CHECK(r->name == "r_42");
  CHECK(r->labels == std::vector<std::pair<std::string, std::string>>{{"verb", "get"}});
  CHECK_FALSE(m->map("req.x.get", MetricKind::counter));
  // Glob metacharacters other than '*' are literal; '*' never crosses a '.'.
  const auto g = load("mappings:\n  - match: 'a+(b).*'\n    name: 'g_$1'\n");
  CHECK(g->map("a+(b).zz", MetricKind::gauge)->name == "g_zz");
  CHECK_FALSE(g->map("aa(b).zz", MetricKind::gauge));
  CHECK_FALSE(g->map("a+(b).z.z", MetricKind::gauge));
}

TEST_CASE("mapper: a regex RE2 rejects is an error at its match", "[ingest][mapper]") {
  // Lookahead is ECMAScript, not RE2 (nor Go): statsd_exporter rejects it too.
  CHECK(load_error("mappings:\n  - match: a\n    name: a\n"
                   "  - match: 'x(?=y)'\n    match_type: regex\n    name: b\n") ==
        "m.yml:4:12: mappings[1].match: invalid regular expression \"x(?=y)\": invalid perl "
        "operator: (?=");
}

TEST_CASE("mapper: errors stop at core::Errors::kMax, then a count", "[ingest][mapper]") {
  std::string yaml = "mappings:\n";
  for (int i = 0; i < 500; ++i) yaml += "  - match: a\n    nme: x\n";
  auto spec = config::load_mapping_string(yaml, "m.yml");
  REQUIRE_FALSE(spec.ok());
  CHECK(spec.error().list().size() == core::Errors::kMax);
  CHECK(spec.error().size() == 1000);  // an unknown key and a missing name per rule
  CHECK(spec.error().lines().back() == "... and 900 more errors");
}

TEST_CASE("mapper: equal specs compare equal, an edit does not", "[ingest][mapper]") {
  const std::string yaml = "mappings:\n  - match: a.*\n    name: a_$1\n";
  auto a = config::load_mapping_string(yaml, "m.yml");
  auto b = config::load_mapping_string(yaml, "m.yml");
  auto c = config::load_mapping_string(yaml + "    help: edited\n", "m.yml");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CHECK(*a == *b);
  CHECK_FALSE(*a == *c);
}
