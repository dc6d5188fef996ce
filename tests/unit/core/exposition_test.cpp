#include "core/exposition.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>
#include <prometheus/text_serializer.h>

#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/self_metrics.hpp"
#include "support/exposition_parser.hpp"

using namespace sonde;

namespace {
std::string render(const core::Snapshot& s) {
  std::vector<core::SnapshotPtr> v{std::make_shared<const core::Snapshot>(s)};
  std::string out;
  core::write_text(v, out);
  return out;
}
}  // namespace

TEST_CASE("values are written as the text format spells them", "[core][exposition]") {
  const std::pair<double, const char*> cases[] = {
      {0.0, "0"},
      {1.0, "1"},
      {-2.5, "-2.5"},
      {10870.69, "10870.69"},
      {0.1, "0.1"},
      {1e-9, "1e-09"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
      {18446744073709551615.0, "18446744073709551616"},
  };
  for (const auto& [v, want] : cases) {
    std::string s;
    core::append_value(s, v);
    CAPTURE(v);
    CHECK(s == want);
    if (!std::isnan(v)) CHECK(test::parse_prom_value(s) == v);  // round-trips exactly
  }
}

TEST_CASE("integer values are spelled exactly as to_chars(double) spells them",
          "[core][exposition]") {
  // append_value prints integers below 2^53 through an integer path; it must never differ from
  // the shortest round-trip form, which is scientific where that is shorter (100000 -> 1e+05).
  const auto reference = [](double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
  };
  std::vector<double> values;
  for (int i = -2000; i <= 200000; ++i) values.push_back(i);
  double p10 = 1;
  for (int e = 0; e <= 17; ++e, p10 *= 10) {
    for (const double m : {1.0, 2.0, 9.0, 10.0, 12.0, 99.0, 100.0, 123.0, 1001.0, 12345.0}) {
      for (const double d : {-1.0, 0.0, 1.0}) {
        values.push_back(m * p10 + d);
        values.push_back(-(m * p10 + d));
      }
    }
  }
  std::uint64_t x = 0x9E3779B97F4A7C15ull;  // a fixed xorshift sequence over the whole range
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const double v = static_cast<double>(x >> (11 + i % 50));
    values.push_back(v);
    values.push_back(-v);
    values.push_back(std::round(v / 1e6) * 1e6);
  }
  for (const double v : {9007199254740991.0, 9007199254740992.0, 9007199254740993.0,
                         -9007199254740991.0, -9007199254740992.0, 0.0, -0.0, 0.5, -0.5}) {
    values.push_back(v);
  }
  std::size_t mismatches = 0;
  for (const double v : values) {
    std::string s;
    core::append_value(s, v);
    if (s != reference(v)) {
      if (++mismatches < 10) {
        CAPTURE(v, s, reference(v));
        CHECK(s == reference(v));
      }
    }
  }
  CHECK(mismatches == 0);
  std::string s;
  core::append_value(s, -0.0);
  CHECK(s == "-0");
  s.clear();
  core::append_value(s, 100000.0);
  CHECK(s == "1e+05");
  s.clear();
  core::append_value(s, 120000.0);
  CHECK(s == "120000");
}

TEST_CASE("label values and help are escaped", "[core][exposition]") {
  core::SnapshotBuilder b;
  b.gauge("g", "help with \\ and\nnewline", {{"path", "C:\\x \"q\"\nz"}}, 1);
  const std::string text = render(b.take());
  CHECK(text ==
        "# HELP g help with \\\\ and\\nnewline\n# TYPE g gauge\n"
        "g{path=\"C:\\\\x \\\"q\\\"\\nz\"} 1\n");
  const auto parsed = test::parse_exposition(text);
  CHECK(parsed.samples.at("g{path=\"C:\\x \"q\"\nz\",}") == 1);
}

TEST_CASE("families are sorted and a family from several sources is one block",
          "[core][exposition]") {
  core::SnapshotBuilder a, b;
  a.counter("zeta_total", "z", {}, 1);
  a.gauge("node_scrape_collector_success", "s", {{"collector", "cpu"}}, 1);
  b.gauge("node_scrape_collector_success", "s", {{"collector", "meminfo"}}, 0);
  b.gauge("alpha", "a", {}, 2);
  std::vector<core::SnapshotPtr> snaps{std::make_shared<const core::Snapshot>(a.take()),
                                       std::make_shared<const core::Snapshot>(b.take()), nullptr};
  std::string out;
  core::write_text(snaps, out);
  CHECK(out ==
        "# HELP alpha a\n# TYPE alpha gauge\nalpha 2\n"
        "# HELP node_scrape_collector_success s\n# TYPE node_scrape_collector_success gauge\n"
        "node_scrape_collector_success{collector=\"cpu\"} 1\n"
        "node_scrape_collector_success{collector=\"meminfo\"} 0\n"
        "# HELP zeta_total z\n# TYPE zeta_total counter\nzeta_total 1\n");
}

TEST_CASE("empty families are not written", "[core][exposition]") {
  core::Snapshot s;
  s.families.push_back(core::Family{"empty", "nothing", core::MetricType::gauge, {}});
  CHECK(render(s).empty());
}

namespace {

/// The same counter, gauge, histogram and summary families through prometheus-cpp, and its
/// TextSerializer output for them: the reference sonde's writers are compared with.
struct PrometheusCppFamilies {
  std::vector<prometheus::MetricFamily> families;
  std::string text;
};

PrometheusCppFamilies prometheus_cpp_families(double labelled_gauge) {
  prometheus::Registry reg;
  auto& c =
      prometheus::BuildCounter().Name("sonde_test_events_total").Help("Events.").Register(reg);
  c.Add({{"reason", "malformed"}}).Increment(3);
  c.Add({{"reason", "quote\"back\\slash\nnl"}}).Increment(1e15 + 0.5);
  auto& g = prometheus::BuildGauge().Name("sonde_test_gauge").Help("A gauge.").Register(reg);
  g.Add({}).Set(-0.000123456789);
  g.Add({{"a", "1"}, {"b", "2"}}).Set(labelled_gauge);
  auto& h = prometheus::BuildHistogram().Name("sonde_test_seconds").Help("Latency.").Register(reg);
  auto& hist = h.Add({{"handler", "metrics"}},
                     prometheus::Histogram::BucketBoundaries{0.001, 0.01, 0.1, 1, 10});
  for (double v : {0.0005, 0.002, 0.05, 0.05, 3.0, 100.0}) hist.Observe(v);
  auto& s = prometheus::BuildSummary().Name("sonde_test_summary").Help("Sizes.").Register(reg);
  auto& sum = s.Add({}, prometheus::Summary::Quantiles{{0.5, 0.05}, {0.99, 0.001}});
  for (int i = 1; i <= 100; ++i) sum.Observe(i);

  const auto families = reg.Collect();
  return {families, prometheus::TextSerializer().Serialize(families)};
}

}  // namespace

TEST_CASE("sonde's writer and prometheus-cpp's TextSerializer agree on the same families",
          "[core][exposition]") {
  const PrometheusCppFamilies fams =
      prometheus_cpp_families(std::numeric_limits<double>::infinity());
  const auto& families = fams.families;
  const std::string& theirs = fams.text;
  core::SnapshotBuilder b;
  core::append_prometheus_families(families, b);
  const std::string ours = render(b.take());

  const auto p_theirs = test::parse_exposition(theirs);
  const auto p_ours = test::parse_exposition(ours);
  REQUIRE(p_ours.samples.size() == p_theirs.samples.size());
  for (const auto& [series, value] : p_theirs.samples) {
    CAPTURE(series);
    REQUIRE(p_ours.samples.count(series) == 1);
    const double mine = p_ours.samples.at(series);
    if (std::isinf(value)) {
      CHECK(mine == value);
    } else {
      // prometheus-cpp prints 16 significant digits; sonde prints the shortest exact form.
      CHECK(mine == Approx(value).epsilon(1e-15));
    }
  }
  CHECK(p_ours.types == p_theirs.types);
  CHECK(p_ours.helps == p_theirs.helps);
}

namespace {

std::string render_om(const core::Snapshot& s) {
  std::vector<core::SnapshotPtr> v{std::make_shared<const core::Snapshot>(s)};
  std::string out;
  core::write_openmetrics(v, out);
  return out;
}

/// Checks the OpenMetrics 1.0 rules sonde's writer must keep (not the full ABNF): ends with
/// exactly one `# EOF`; every family has TYPE (and HELP) once, before its samples, and its samples
/// are contiguous; sample names fit the family's type (counter: `_total`/`_created`; histogram:
/// `_bucket`/`_sum`/`_count`/`_created`; summary: the name, `_sum`, `_count`; gauge and unknown:
/// the name). Returns the problems found.
std::vector<std::string> openmetrics_problems(const std::string& text) {
  std::vector<std::string> problems;
  const std::string eof = "# EOF\n";
  if (text.size() < eof.size() || text.compare(text.size() - eof.size(), eof.size(), eof) != 0) {
    problems.push_back("does not end with # EOF");
  }
  std::map<std::string, std::string> types;
  std::set<std::string> finished;
  std::string current;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) {
      problems.push_back("last line has no newline");
      break;
    }
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line == "# EOF") {
      if (pos != text.size()) problems.push_back("text after # EOF");
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      const auto sp = line.find(' ', 7);
      const std::string fam = line.substr(7, sp - 7);
      if (fam != current) {
        if (finished.count(fam) || types.count(fam)) problems.push_back("family again: " + fam);
        if (!current.empty()) finished.insert(current);
        current = fam;
      }
      if (line[2] == 'T') {
        const std::string t = line.substr(sp + 1);
        if (t != "counter" && t != "gauge" && t != "histogram" && t != "summary" &&
            t != "unknown" && t != "info" && t != "stateset" && t != "gaugehistogram") {
          problems.push_back("bad type: " + line);
        }
        types[fam] = t;
      }
      continue;
    }
    if (line.empty() || line[0] == '#') {
      problems.push_back("unexpected line: " + line);
      continue;
    }
    const std::string name = line.substr(0, line.find_first_of("{ "));
    const std::string& t = types[current];
    auto is = [&](const char* suffix) { return name == current + suffix; };
    bool fits = false;
    if (t == "counter") fits = is("_total") || is("_created");
    if (t == "gauge" || t == "unknown") fits = is("");
    if (t == "histogram") fits = is("_bucket") || is("_sum") || is("_count") || is("_created");
    if (t == "summary") fits = is("") || is("_sum") || is("_count") || is("_created");
    if (!fits)
      problems.push_back("sample " + name + " does not fit family " + current + " (" + t + ")");
  }
  return problems;
}

/// OpenMetrics back to what text 0.0.4 says, so both parse to comparable results.
std::string openmetrics_to_text_names(std::string om) {
  om = om.substr(0, om.rfind("# EOF\n"));
  std::string out;
  std::size_t pos = 0;
  while (pos < om.size()) {
    const std::size_t nl = om.find('\n', pos);
    std::string line = om.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.rfind("# TYPE ", 0) == 0 && line.size() > 8 &&
        line.compare(line.size() - 8, 8, " counter") == 0) {
      const auto sp = line.find(' ', 7);
      line = "# TYPE " + line.substr(7, sp - 7) + "_total counter";
    } else if (line.rfind("# TYPE ", 0) == 0 && line.size() > 8 &&
               line.compare(line.size() - 8, 8, " unknown") == 0) {
      line = line.substr(0, line.size() - 8) + " untyped";
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("OpenMetrics: counters drop _total in TYPE/HELP, untyped is unknown, # EOF ends it",
          "[core][exposition][openmetrics]") {
  core::SnapshotBuilder b;
  b.counter("node_context_switches_total", "Total number of context switches.", {}, 42);
  b.counter("requests", "A counter named without _total.", {{"code", "200"}}, 7);
  b.counter("requests", "A counter named without _total.", {{"code", "500"}}, 1);
  b.gauge("node_load1", "1m \"load\" average.\\", {}, 0.5);
  b.untyped("legacy", "An untyped one.", {}, 3);
  const std::string om = render_om(b.take());
  CHECK(om ==
        "# HELP legacy An untyped one.\n# TYPE legacy unknown\nlegacy 3\n"
        "# HELP node_context_switches Total number of context switches.\n"
        "# TYPE node_context_switches counter\nnode_context_switches_total 42\n"
        "# HELP node_load1 1m \\\"load\\\" average.\\\\\n# TYPE node_load1 gauge\nnode_load1 0.5\n"
        "# HELP requests A counter named without _total.\n# TYPE requests counter\n"
        "requests_total{code=\"200\"} 7\nrequests_total{code=\"500\"} 1\n"
        "# EOF\n");
  CHECK(openmetrics_problems(om).empty());
}

TEST_CASE("le and quantile label values are spelled as client_golang spells them",
          "[core][exposition]") {
  const std::pair<double, const char*> cases[] = {
      {0.0, "0"},
      {1.0, "1"},
      {0.005, "0.005"},
      {2.5, "2.5"},
      {-1.0, "-1"},
      {10.0, "10"},
      {100000.0, "100000"},
      {999999.0, "999999"},
      {1e6, "1e+06"},
      {1234567, "1.234567e+06"},
      {2.5e7, "2.5e+07"},
      {0.0001, "0.0001"},
      {0.00015, "0.00015"},
      {0.00001, "1e-05"},
      {1.5e-7, "1.5e-07"},
      {1e100, "1e+100"},
      {0.1 + 0.2, "0.30000000000000004"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
  };
  for (const auto& [v, want] : cases) {
    std::string s;
    core::append_label_number(s, v);
    CAPTURE(v);
    CHECK(s == want);
    CHECK(test::parse_prom_value(s) == v);  // exact
  }
}

TEST_CASE("OpenMetrics: le and quantile are canonical numbers; text format keeps Go's spelling",
          "[core][exposition][openmetrics]") {
  core::Snapshot snap;
  snap.families.push_back(core::Family{"lat", "Latency.", core::MetricType::histogram, {}});
  auto& h = snap.families.back().samples;
  h.push_back({"lat_bucket{path=\"/a\",le=\"0.5\"}", 1});
  h.push_back({"lat_bucket{path=\"/a\",le=\"1\"}", 2});
  h.push_back({"lat_bucket{path=\"/a\",le=\"100000\"}", 3});
  h.push_back({"lat_bucket{path=\"/a\",le=\"1e+06\"}", 4});
  h.push_back({"lat_bucket{path=\"/a\",le=\"+Inf\"}", 5});
  h.push_back({"lat_sum{path=\"/a\"}", 9});
  h.push_back({"lat_count{path=\"1\"}", 5});
  snap.families.push_back(core::Family{"q", "Quantiles.", core::MetricType::summary, {}});
  snap.families.back().samples.push_back({"q{quantile=\"0\"}", 1});
  snap.families.back().samples.push_back({"q{quantile=\"0.99\"}", 2});
  snap.families.back().samples.push_back({"q{quantile=\"1\"}", 3});
  snap.families.push_back(
      core::Family{"g", "A gauge with an le label.", core::MetricType::gauge, {}});
  snap.families.back().samples.push_back({"g{le=\"1\"}", 1});
  const std::string om = render_om(snap);
  CHECK(om ==
        "# HELP g A gauge with an le label.\n# TYPE g gauge\ng{le=\"1\"} 1\n"
        "# HELP lat Latency.\n# TYPE lat histogram\n"
        "lat_bucket{path=\"/a\",le=\"0.5\"} 1\nlat_bucket{path=\"/a\",le=\"1.0\"} 2\n"
        "lat_bucket{path=\"/a\",le=\"100000.0\"} 3\nlat_bucket{path=\"/a\",le=\"1e+06\"} 4\n"
        "lat_bucket{path=\"/a\",le=\"+Inf\"} 5\nlat_sum{path=\"/a\"} 9\nlat_count{path=\"1\"} 5\n"
        "# HELP q Quantiles.\n# TYPE q summary\n"
        "q{quantile=\"0.0\"} 1\nq{quantile=\"0.99\"} 2\nq{quantile=\"1.0\"} 3\n# EOF\n");
  CHECK(openmetrics_problems(om).empty());
  const std::string text = render(snap);
  CHECK(text.find("lat_bucket{path=\"/a\",le=\"1\"} 2\n") != std::string::npos);
  CHECK(text.find("q{quantile=\"1\"} 3\n") != std::string::npos);
}

TEST_CASE("OpenMetrics of nothing is just # EOF", "[core][exposition][openmetrics]") {
  CHECK(render_om(core::Snapshot{}) == "# EOF\n");
}

TEST_CASE("OpenMetrics output means what prometheus-cpp's text output means",
          "[core][exposition][openmetrics]") {
  const PrometheusCppFamilies fams =
      prometheus_cpp_families(-std::numeric_limits<double>::infinity());
  const auto& families = fams.families;
  const std::string& theirs = fams.text;
  core::SnapshotBuilder b;
  core::append_prometheus_families(families, b);
  const std::string om = render_om(b.take());
  CAPTURE(om);
  CHECK(openmetrics_problems(om).empty());

  const auto p_theirs = test::parse_exposition(theirs);
  const auto p_ours = test::parse_exposition(openmetrics_to_text_names(om));
  REQUIRE(p_ours.samples.size() == p_theirs.samples.size());
  for (const auto& [series, value] : p_theirs.samples) {
    CAPTURE(series);
    REQUIRE(p_ours.samples.count(series) == 1);
    CHECK(p_ours.samples.at(series) == Approx(value).epsilon(1e-15));
  }
  CHECK(p_ours.types == p_theirs.types);
}

TEST_CASE("OpenMetrics checker catches what it should", "[core][exposition][openmetrics]") {
  CHECK_FALSE(openmetrics_problems("# TYPE a gauge\na 1\n").empty());  // no EOF
  CHECK_FALSE(openmetrics_problems("# TYPE a_total counter\na_total 1\n# EOF\n").empty());
  CHECK_FALSE(openmetrics_problems("# TYPE a untyped\na 1\n# EOF\n").empty());
  CHECK_FALSE(openmetrics_problems("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n"
                                   "a 2\n# EOF\n")
                  .empty());
  CHECK(openmetrics_problems("# TYPE a counter\na_total 1\n# EOF\n").empty());
}

TEST_CASE("help escaping matches character-by-character escaping on random texts",
          "[core][exposition]") {
  // The escapers append runs between special characters whole; compare them with the rule
  // applied one character at a time, over texts dense in specials (runs of them, at both ends).
  const auto reference = [](std::string_view help, bool quote) {
    std::string out;
    for (const char c : help) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n') {
        out += "\\n";
      } else if (quote && c == '"') {
        out += "\\\"";
      } else {
        out += c;
      }
    }
    return out;
  };
  std::mt19937 rng(5);
  const std::string alphabet = "ab\\\n\" ";
  for (int i = 0; i < 2000; ++i) {
    std::string help(rng() % 12, ' ');
    for (char& c : help) c = alphabet[rng() % alphabet.size()];
    std::string text = "x";
    core::append_escaped_help(text, help);
    CHECK(text == "x" + reference(help, false));
    const core::Snapshot snap{{{"g", help, core::MetricType::gauge, {{"g", 1}}}}};
    const std::vector<core::SnapshotPtr> snaps{std::make_shared<const core::Snapshot>(snap)};
    std::string om;
    core::write_openmetrics(snaps, om);
    CHECK(om == "# HELP g " + reference(help, true) + "\n# TYPE g gauge\ng 1\n# EOF\n");
  }
}
