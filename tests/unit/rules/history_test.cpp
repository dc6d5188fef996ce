#include "rules/history/history.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>

#include "rules/history/chunk.hpp"
#include "rules/promql/parser.hpp"

using namespace sonde::rules;
using promql::Labels;
using promql::Point;

namespace {

std::uint64_t bits(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

history::Selectors selectors(std::initializer_list<const char*> exprs) {
  history::Selectors out;
  for (const char* e : exprs) {
    auto m = promql::parse_metric_selector(e);
    REQUIRE(m.ok());
    out.push_back(std::move(*m));
  }
  return out;
}

std::vector<Point> select(const history::History& h, const char* sel, std::int64_t mint,
                          std::int64_t maxt, std::size_t want_series = 1) {
  auto q = h.querier();
  auto m = promql::parse_metric_selector(sel);
  REQUIRE(m.ok());
  auto views = q.select(*m, mint, maxt);
  REQUIRE(views.size() == want_series);
  if (views.empty()) return {};
  return {views[0].samples.begin(), views[0].samples.end()};
}

}  // namespace

TEST_CASE("chunks round-trip timestamps and value bits exactly", "[rules][history]") {
  std::mt19937_64 rng(42);
  std::vector<Point> in;
  std::int64_t t = 1'700'000'000'000;
  double counter = 0;
  const double specials[] = {0.0,      -0.0,      1e308, -1e-308,
                             INFINITY, -INFINITY, NAN,   promql::stale_nan()};
  for (int i = 0; i < history::kChunkSamples; ++i) {
    // Jittered steps of about 15 s, sometimes huge gaps, sometimes equal deltas.
    const int kind = static_cast<int>(rng() % 6);
    t += kind == 0   ? 15'000
         : kind == 1 ? 15'000 + static_cast<int>(rng() % 40) - 20
         : kind == 2 ? 86'400'000LL * 400
                     : 14'990 + static_cast<int>(rng() % 20);
    counter += static_cast<double>(rng() % 1000);
    double v = i % 7 == 0 ? specials[i / 7 % 8] : (i % 2 ? counter : std::ldexp(1.0, i % 90));
    in.push_back({t, v});
  }
  history::ChunkAppender a;
  for (const auto& p : in) REQUIRE(a.append(p.t, p.v));
  CHECK_FALSE(a.append(t + 1, 1));  // full
  std::vector<Point> out;
  REQUIRE(history::decode_chunk(a.bytes(), out));
  REQUIRE(out.size() == in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    INFO(i);
    CHECK(out[i].t == in[i].t);
    CHECK(bits(out[i].v) == bits(in[i].v));
  }
  // A window: only samples inside [mint, maxt].
  std::vector<Point> part;
  REQUIRE(history::decode(a.stream(), a.count(), in[10].t, in[20].t, part));
  CHECK(part.size() == 11);
  CHECK(part.front().t == in[10].t);
}

TEST_CASE("a regular series compresses to a few bytes a sample", "[rules][history]") {
  history::ChunkAppender a;
  double v = 1000;
  for (int i = 0; i < 80; ++i) {
    v += 15 * (i % 3);  // a counter moving by small steps
    REQUIRE(a.append(1'700'000'000'000 + i * 15'000, v));
  }
  // 16 bytes a sample raw; a scrape-regular counter costs a few bits of timestamp and ~2 bytes.
  CHECK(a.bytes().size() < 80 * 4);
}

TEST_CASE("truncated or corrupt chunks are refused without reading past the end",
          "[rules][history]") {
  history::ChunkAppender a;
  for (int i = 0; i < 50; ++i) REQUIRE(a.append(1000 + i * 15'000 + (i % 3), i * 1.5));
  const auto bytes = a.bytes();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
    std::vector<Point> out;
    CHECK_FALSE(history::decode_chunk(cut, out));
    CHECK(out.size() < 50);
  }
  std::vector<std::uint8_t> bad = {0xff, 0xff, 1, 2, 3};  // count above kChunkSamples
  std::vector<Point> out;
  CHECK_FALSE(history::decode_chunk(bad, out));
}

TEST_CASE("series text parses back into labels", "[rules][history]") {
  auto l = history::parse_series_text(R"(m_total{a="1",b="x\"y\\z\nw",c=""})");
  REQUIRE(l);
  CHECK(l->to_string() == R"({__name__="m_total", a="1", b="x\"y\\z\nw"})");
  CHECK(history::parse_series_text("up")->to_string() == R"({__name__="up"})");
  CHECK(history::parse_series_text("m{a=\"1\",}"));
  CHECK_FALSE(history::parse_series_text(""));
  CHECK_FALSE(history::parse_series_text("m{a=\"1\""));
  CHECK_FALSE(history::parse_series_text("m{a=1}"));
  CHECK_FALSE(history::parse_series_text("m{a=\"1\",a=\"2\"}"));
  CHECK_FALSE(history::parse_series_text("m{a=\"1\"} 5"));
}

TEST_CASE("the history keeps only selected series, with series labels attached",
          "[rules][history]") {
  history::History h(100);
  h.set_selectors(selectors({"kept", R"({__name__="other", instance="host:1"})"}));
  h.set_series_labels(Labels({{"instance", "host:1"}, {"job", "sonde"}}));
  h.append_source("src", 1000,
                  {{"kept{instance=\"app\"}", 1}, {"dropped", 2}, {"other{x=\"1\"}", 3}});
  const auto st = h.stats();
  CHECK(st.series == 2);
  auto q = h.querier();
  auto m = promql::parse_metric_selector("kept");
  auto v = q.select(*m, 0, 2000);
  REQUIRE(v.size() == 1);
  // The scraped instance label becomes exported_instance, as honor_labels: false does.
  CHECK(v[0].labels->to_string() ==
        R"({__name__="kept", exported_instance="app", instance="host:1", job="sonde"})");
}

TEST_CASE("a series missing from its source's next snapshot gets a staleness marker",
          "[rules][history]") {
  history::History h(100);
  h.set_selectors(selectors({"a", "b"}));
  h.append_source("s", 1000, {{"a", 1}, {"b", 2}});
  h.append_source("s", 2000, {{"a", 3}});
  auto b = select(h, "b", 0, 5000);
  REQUIRE(b.size() == 2);
  CHECK(promql::is_stale_nan(b[1].v));
  CHECK(b[1].t == 2000);
  // Coming back: a fresh sample after the marker.
  h.append_source("s", 3000, {{"a", 4}, {"b", 5}});
  b = select(h, "b", 0, 5000);
  REQUIRE(b.size() == 3);
  CHECK(b[2].v == 5);
  // The source fails: all of its series end.
  h.source_gone("s", 4000);
  CHECK(promql::is_stale_nan(select(h, "a", 0, 5000).back().v));
  CHECK(promql::is_stale_nan(select(h, "b", 0, 5000).back().v));
}

TEST_CASE("samples older than the retention are dropped, then the series", "[rules][history]") {
  history::History h(100);
  h.set_selectors(selectors({"a"}));
  h.set_retention(60'000);
  for (int i = 0; i < 300; ++i) h.append_source("s", i * 15'000, {{"a", double(i)}});
  const auto before = h.stats();
  CHECK(before.samples == 300);
  h.trim(300 * 15'000);
  const auto after = h.stats();
  // Whole chunks go: what is left covers the retention (at most one chunk more).
  CHECK(after.samples < 300);
  CHECK(after.samples >= 4);
  CHECK(after.bytes < before.bytes);
  auto pts = select(h, "a", 299 * 15'000 - 60'000, 299 * 15'000);
  CHECK(pts.size() == 5);
  h.trim(1'000'000'000);
  CHECK(h.stats().series == 0);
  CHECK(h.stats().bytes == 0);
}

TEST_CASE("new series beyond max_series are refused and counted once", "[rules][history]") {
  history::History h(2);
  h.set_selectors(selectors({R"({__name__=~".+"})"}));
  for (int t = 1; t <= 3; ++t) h.append_source("s", t * 1000, {{"a", 1}, {"b", 1}, {"c", 1}});
  auto st = h.stats();
  CHECK(st.series == 2);
  CHECK(st.series_refused == 1);
  // Room again (a series ends and ages out): the refused one gets in.
  h.set_retention(1000);
  h.append_source("s", 10'000, {{"b", 1}, {"c", 1}});  // a ends (stale marker)
  h.trim(12'000);
  h.append_source("s", 12'000, {{"b", 1}, {"c", 1}});
  h.append_source("s", 13'000, {{"b", 1}, {"c", 1}});
  st = h.stats();
  CHECK(st.series == 2);
  CHECK(st.series_refused == 1);
  CHECK(select(h, "c", 0, 20'000).size() >= 1);
}

TEST_CASE("rule output enters the history when a selector wants it", "[rules][history]") {
  history::History h(10);
  h.set_selectors(selectors({"job:up:sum"}));
  CHECK(h.append(Labels({{"__name__", "job:up:sum"}, {"job", "x"}}), 1000, 4));
  CHECK(h.append(Labels(std::vector<promql::Label>{{"__name__", "unused"}}), 1000, 4));
  CHECK(h.stats().series == 1);
  CHECK_FALSE(h.append(Labels({{"__name__", "job:up:sum"}, {"job", "x"}}), 500, 4));
  CHECK(h.stats().samples_out_of_order == 1);
  // A changed selector set drops what is no longer wanted.
  h.set_selectors(selectors({"else"}));
  CHECK(h.stats().series == 0);
}

TEST_CASE("a selector without a metric name returns series in label order", "[rules][history]") {
  history::History h(10);
  h.set_selectors(selectors({R"({job="j"})"}));
  h.append_source("s", 1000, {{"z{job=\"j\"}", 1}, {"a{job=\"j\"}", 2}, {"m{job=\"k\"}", 3}});
  auto q = h.querier();
  auto m = promql::parse_metric_selector(R"({job="j"})");
  auto v = q.select(*m, 0, 2000);
  REQUIRE(v.size() == 2);
  CHECK(v[0].labels->get("__name__") == "a");
  CHECK(v[1].labels->get("__name__") == "z");
}

TEST_CASE("20 minutes of 15 s samples cost under 1 KiB a series", "[rules][history]") {
  history::History h(2000);
  h.set_selectors(selectors({R"({__name__=~"node_.+"})"}));
  h.set_retention(25 * 60'000);
  const std::int64_t start = 1'700'000'000'000;
  // A host's mix: CPU seconds in 1/100 s steps (fractions that XOR badly), byte counters
  // (integers), gauges that rarely move. Timestamps jitter by a few ms, as collectors' do.
  std::vector<std::string> names;
  for (int c = 0; c < 100; ++c) {
    const char* kind = c % 3 == 0   ? "node_cpu_seconds_total"
                       : c % 3 == 1 ? "node_network_receive_bytes_total"
                                    : "node_memory_MemFree_bytes";
    names.push_back(std::string(kind) + "{device=\"dev" + std::to_string(c) + "\"}");
  }
  std::vector<history::SourceSample> samples(names.size());
  std::mt19937_64 rng(7);
  std::vector<double> value(names.size(), 0);
  for (int i = 0; i < 80; ++i) {
    for (std::size_t c = 0; c < names.size(); ++c) {
      if (c % 3 == 0) value[c] += static_cast<double>(rng() % 1500) / 100.0;
      if (c % 3 == 1) value[c] += static_cast<double>(rng() % 100'000);
      if (c % 3 == 2 && rng() % 4 == 0) value[c] = 8e9 + static_cast<double>(rng() % 1000) * 4096;
      samples[c] = {names[c], value[c]};
    }
    h.append_source("host", start + i * 15'000 + static_cast<std::int64_t>(rng() % 7), samples);
  }
  const auto st = h.stats();
  CHECK(st.series == 100);
  CHECK(st.samples == 8000);
  CHECK(st.bytes / st.series <= 1024);
}
