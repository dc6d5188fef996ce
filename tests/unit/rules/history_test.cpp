#include "rules/history/history.hpp"

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <random>

#include "rules/history/chunk.hpp"
#include "rules/promql/engine.hpp"
#include "rules/promql/parser.hpp"

using namespace sonde::rules;
using promql::Labels;
using promql::Point;

namespace {

std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }

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

namespace {

/// Every series `sel` selects over [mint, maxt], as text: labels and each sample's time and value
/// bits (so stale markers and NaNs compare exactly).
std::string dump(const std::vector<promql::SeriesView>& views) {
  std::string out;
  for (const auto& v : views) {
    out += v.labels->to_string();
    if (v.labels_without_name != nullptr) {
      CHECK(v.labels_without_name->to_string() == v.labels->without_name().to_string());
    }
    for (const auto& p : v.samples) {
      out += " " + std::to_string(p.t) + "=" + std::to_string(bits(p.v));
    }
    out += "\n";
  }
  return out;
}

std::string select_text(const history::History& h, const char* sel, std::int64_t mint,
                        std::int64_t maxt, bool latest = false) {
  auto q = h.querier();
  auto m = promql::parse_metric_selector(sel);
  REQUIRE(m.ok());
  return dump(latest ? q.select_latest(*m, mint, maxt) : q.select(*m, mint, maxt));
}

/// A history and a twin without the pass cache, fed the same samples.
struct Twins {
  history::History cached{100};
  history::History plain{100};
  Twins() {
    for (auto* h : {&cached, &plain}) {
      h->set_selectors(selectors({"m", "r"}));
      h->set_retention(10 * 60'000);
    }
    plain.set_decode_cache_budget(0);
  }
  void source(std::int64_t t, const std::vector<history::SourceSample>& s) {
    cached.append_source("src", t, s);
    plain.append_source("src", t, s);
  }
  void append(const Labels& l, std::int64_t t, double v) {
    CHECK(cached.append(l, t, v) == plain.append(l, t, v));
  }
  void trim(std::int64_t t) {
    cached.trim(t);
    plain.trim(t);
  }
  /// Both give the same answer to each query, the cached one asked several times in a row (the
  /// later ones served from the cache) and with ranges growing (the cache decodes further back).
  void check(const char* sel, std::int64_t t) {
    for (const std::int64_t range : {60'000, 15'000, 300'000, 600'000, 60'000}) {
      for (const bool latest : {false, true}) {
        for (const std::int64_t maxt : {t, t - 20'000}) {
          INFO(sel << " range " << range << " maxt " << maxt << " latest " << latest);
          const auto want = select_text(plain, sel, maxt - range, maxt, latest);
          CHECK(select_text(cached, sel, maxt - range, maxt, latest) == want);
        }
      }
    }
  }
};

}  // namespace

TEST_CASE("the pass cache answers as decoding each query does", "[rules][history]") {
  Twins tw;
  const Labels r1({{"__name__", "r"}, {"rule", "1"}});
  std::int64_t t = 1'700'000'000'000;
  for (int i = 0; i < 200; ++i, t += 15'000) {
    // Series come and go: a="2" is missing every 7th snapshot (a staleness marker, then back),
    // a="3" appears at 40 and leaves for good at 120 (its samples age out with the trims).
    std::vector<history::SourceSample> s = {{"m{a=\"1\"}", i * 1.5}};
    if (i % 7 != 3) s.push_back({"m{a=\"2\"}", i % 5 == 0 ? std::nan("") : -i * 0.25});
    if (i >= 40 && i < 120) s.push_back({"m{a=\"3\"}", 1e9 + i});
    tw.source(t, s);
    tw.check("m", t);
    tw.check(R"(m{a!="1"})", t);
    // A rule's output, appended between the queries of a pass, is seen by the next query.
    tw.append(r1, t, i % 11 == 0 ? promql::stale_nan() : i);
    tw.check("r", t);
    tw.check(R"({__name__=~"m|r"})", t);
    if (i % 4 == 0) tw.trim(t);
  }
  // a="3" is gone from both once trimmed past the retention.
  CHECK(select_text(tw.cached, R"(m{a="3"})", t - 600'000, t).empty());
  CHECK(tw.cached.stats().decode_cache_peak_bytes > 0);
  CHECK(tw.plain.stats().decode_cache_peak_bytes == 0);
}

TEST_CASE("queries over passes answer as plain storage whatever the selectors' reach",
          "[rules][history]") {
  // Each series is decoded from as far back as its selectors reach, and each pass resumes
  // decoding where the previous one passed the samples it needed: ranges shorter and longer
  // than the reach, over chunks that close and age out, give plain storage's samples.
  history::History h(100);
  h.set_selectors(selectors({"m", "n", R"({__name__=~"m|n", a="2"})"}), {60'000, 180'000, 300'000});
  h.set_retention(10 * 60'000);
  promql::MemoryStorage mem;
  const std::vector<Labels> series = {Labels({{"__name__", "m"}, {"a", "1"}}),
                                      Labels({{"__name__", "m"}, {"a", "2"}}),
                                      Labels({{"__name__", "n"}, {"a", "1"}})};
  std::mt19937_64 rng(3);
  std::int64_t t = 1'700'000'000'000;
  for (int i = 0; i < 400; ++i, t += 15'000 + static_cast<std::int64_t>(rng() % 9)) {
    for (std::size_t k = 0; k < series.size(); ++k) {
      const double v = i % 17 == 9 && k == 1 ? promql::stale_nan() : double(i * (k + 1));
      REQUIRE(h.append(series[k], t, v));
      mem.append(series[k], t, v);
    }
    for (const char* sel : {"m", "n", R"({a="2"})"}) {
      auto m = promql::parse_metric_selector(sel);
      REQUIRE(m.ok());
      for (const std::int64_t range : {30'000, 60'000, 15'000, 240'000, 590'000, 45'000}) {
        INFO(sel << " pass " << i << " range " << range);
        auto q = h.querier();
        const auto got = q.select(*m, t - range, t);
        const auto want = mem.select(*m, t - range, t);
        REQUIRE(got.size() == want.size());
        for (std::size_t k = 0; k < got.size(); ++k) {
          CHECK(*got[k].labels == *want[k].labels);
          REQUIRE(got[k].samples.size() == want[k].samples.size());
          for (std::size_t j = 0; j < got[k].samples.size(); ++j) {
            CHECK(got[k].samples[j].t == want[k].samples[j].t);
            CHECK(bits(got[k].samples[j].v) == bits(want[k].samples[j].v));
          }
        }
      }
    }
    h.trim(t);  // ends the pass
  }
}

TEST_CASE("what a querier selected stays valid as the history changes", "[rules][history]") {
  history::History h(10);
  h.set_selectors(selectors({"m"}));
  h.set_retention(60'000);
  for (int i = 0; i < 10; ++i) h.append_source("s", i * 15'000, {{"m", double(i)}});
  auto q = h.querier();
  auto m = promql::parse_metric_selector("m");
  const auto views = q.select(*m, 0, 200'000);
  const auto latest = q.select_latest(*m, 0, 200'000);
  const std::string before = dump(views);
  REQUIRE(latest.size() == 1);
  REQUIRE(latest[0].samples.size() == 1);
  CHECK(latest[0].samples[0].t == 9 * 15'000);
  CHECK(latest[0].samples[0].v == 9);
  // New samples, a staleness marker, a trim that drops the series: the views do not change.
  h.append_source("s", 10 * 15'000, {{"m", 10}});
  h.append_source("s", 11 * 15'000, {});
  CHECK(promql::is_stale_nan(h.querier().select_latest(*m, 0, 200'000)[0].samples[0].v));
  h.trim(10'000'000);
  CHECK(h.stats().series == 0);
  CHECK(h.querier().select(*m, 0, 20'000'000).empty());
  CHECK(dump(views) == before);
  CHECK(latest[0].samples[0].v == 9);
}

namespace {

/// A history that keeps the series named m for `retention_ms`.
std::unique_ptr<history::History> history_of_m(std::size_t max_series, std::int64_t retention_ms) {
  auto h = std::make_unique<history::History>(max_series);
  h->set_selectors(selectors({"m"}));
  h->set_retention(retention_ms);
  return h;
}

}  // namespace

TEST_CASE("the engine answers the same over the history as over plain storage",
          "[rules][history]") {
  // Instant selectors read only the last sample from the history (select_latest); offsets, `@`
  // and range functions must not notice.
  const auto hp = history_of_m(100, 30 * 60'000);
  history::History& h = *hp;
  promql::MemoryStorage mem;
  const std::int64_t t0 = 1'700'000'000'000;
  for (int i = 0; i < 150; ++i) {
    const std::int64_t t = t0 + i * 15'000 + i % 3;
    std::vector<history::SourceSample> s = {{"m{a=\"1\"}", i * 2.0}};
    if (i % 9 != 4 && i < 130) s.push_back({"m{a=\"2\"}", 100.0 - i});
    h.append_source("src", t, s);
    mem.append(Labels({{"__name__", "m"}, {"a", "1"}}), t, i * 2.0);
    if (i % 9 == 4 || i == 130) {
      mem.append(Labels({{"__name__", "m"}, {"a", "2"}}), t, promql::stale_nan());
    } else if (i < 130) {
      mem.append(Labels({{"__name__", "m"}, {"a", "2"}}), t, 100.0 - i);
    }
  }
  promql::Engine engine;
  const std::string at = std::to_string((t0 + 100 * 15'000) / 1000);
  const std::vector<std::string> exprs = {"m",
                                          "m offset 1m",
                                          "m @ " + at,
                                          "timestamp(m)",
                                          "m > 50",
                                          "rate(m[5m])",
                                          "m - m offset 30s",
                                          "last_over_time(m[1m])",
                                          "sum(m)",
                                          "count_over_time(m[10m])",
                                          "max_over_time(m[2m:30s])"};
  for (const std::int64_t t : {t0 + 149 * 15'000, t0 + 140 * 15'000 + 7, t0 + 130 * 15'000 + 1,
                               t0 + 60 * 15'000, t0 + 200 * 15'000}) {
    for (const auto& e : exprs) {
      INFO(e << " at " << t);
      auto q = h.querier();
      auto got = engine.instant(q, e, t);
      auto want = engine.instant(mem, e, t);
      REQUIRE(got.ok() == want.ok());
      if (got.ok()) CHECK(promql::to_string(*got) == promql::to_string(*want));
    }
  }
}

TEST_CASE("the history cuts ranges as plain storage does at every boundary", "[rules][history]") {
  // The history searches a series' samples from their end in growing steps; plain storage uses
  // std::lower_bound / upper_bound. Every range over and around 40 samples must cut alike.
  const auto hp = history_of_m(10, 60 * 60'000);
  history::History& h = *hp;
  promql::MemoryStorage mem;
  const std::int64_t t0 = 1'700'000'000'000;
  for (int i = 0; i < 40; ++i) {
    const std::int64_t t = t0 + i * 15'000 + i % 4;
    h.append_source("src", t, {{"m", i * 1.0}});
    mem.append(Labels(std::vector<promql::Label>{{"__name__", "m"}}), t, i * 1.0);
  }
  auto m = promql::parse_metric_selector("m");
  REQUIRE(m.ok());
  std::vector<std::int64_t> ends;
  for (std::int64_t t = t0 - 20'000; t <= t0 + 41 * 15'000; t += 3'751) ends.push_back(t);
  for (int i = 0; i < 40; ++i) ends.push_back(t0 + i * 15'000 + i % 4 - 1);  // at samples too
  for (const std::int64_t maxt : ends) {
    for (const std::int64_t range :
         {0, 1, 15'000, 15'001, 14'999, 60'000, 300'000, 900'000, 4'000'000}) {
      for (const std::int64_t shift : {0, 1, 2}) {
        const std::int64_t hi = maxt + shift, lo = hi - range;
        INFO("[" << lo << ", " << hi << "]");
        auto q = h.querier();
        const std::string got = dump(q.select(*m, lo, hi));
        CHECK(got == dump(mem.select(*m, lo, hi)));
      }
    }
  }
}
