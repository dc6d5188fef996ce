// MemoryStorage and label matchers (storage.cpp): selection by every matcher type, anchored
// regexes, a time range closed at both ends, label order, replaced and out-of-order samples,
// trimming; and matchers printed as Prometheus prints them.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "rules/promql/parser.hpp"
#include "rules/promql/storage.hpp"

using namespace sonde::rules::promql;

namespace {

Matcher m(MatchType t, std::string name, std::string value) {
  auto r = Matcher::make(t, std::move(name), std::move(value));
  REQUIRE(r.ok());
  return std::move(*r);
}

/// The selected series' label sets (labels.Labels.String()), in the order select() returns them.
std::vector<std::string> names(const std::vector<SeriesView>& v) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(s.labels->to_string());
  return out;
}

MemoryStorage three() {
  MemoryStorage s;
  // Appended out of label order: select() must sort.
  s.append(Labels({{"__name__", "up"}, {"job", "node"}}), 1000, 1);
  s.append(Labels({{"__name__", "up"}, {"job", "api"}, {"zone", "b"}}), 1000, 0);
  s.append(Labels({{"__name__", "http_requests_total"}, {"job", "api"}}), 1000, 5);
  return s;
}

}  // namespace

TEST_CASE("storage selects by each matcher type, sorted by labels", "[rules][promql][storage]") {
  const MemoryStorage s = three();
  CHECK(names(s.select({m(MatchType::equal, "__name__", "up")}, 0, 2000)) ==
        std::vector<std::string>{"{__name__=\"up\", job=\"api\", zone=\"b\"}",
                                 "{__name__=\"up\", job=\"node\"}"});
  CHECK(names(s.select({m(MatchType::equal, "job", "api")}, 0, 2000)) ==
        std::vector<std::string>{"{__name__=\"http_requests_total\", job=\"api\"}",
                                 "{__name__=\"up\", job=\"api\", zone=\"b\"}"});
  CHECK(
      names(s.select({m(MatchType::equal, "__name__", "up"), m(MatchType::not_equal, "job", "api")},
                     0, 2000)) == std::vector<std::string>{"{__name__=\"up\", job=\"node\"}"});
  // A missing label is the empty string: != "b" and =~ "" match series without it.
  CHECK(
      names(s.select({m(MatchType::equal, "__name__", "up"), m(MatchType::not_equal, "zone", "b")},
                     0, 2000)) == std::vector<std::string>{"{__name__=\"up\", job=\"node\"}"});
  CHECK(names(s.select({m(MatchType::regex, "zone", "")}, 0, 2000)).size() == 2);
  CHECK(names(s.select({m(MatchType::regex, "__name__", "u.")}, 0, 2000)).size() == 2);
  CHECK(names(s.select({m(MatchType::not_regex, "__name__", "u.")}, 0, 2000)) ==
        std::vector<std::string>{"{__name__=\"http_requests_total\", job=\"api\"}"});
  CHECK(s.select({m(MatchType::equal, "__name__", "nope")}, 0, 2000).empty());
  CHECK(s.select({}, 0, 2000).size() == 3);
  CHECK(s.series_count() == 3);
  CHECK(s.sample_count() == 3);
}

TEST_CASE("storage regex matchers are anchored at both ends", "[rules][promql][storage]") {
  const Matcher re = m(MatchType::regex, "job", "ap");
  CHECK_FALSE(re.matches("api"));
  CHECK_FALSE(re.matches("xap"));
  CHECK(re.matches("ap"));
  const Matcher alt = m(MatchType::regex, "job", "a|b");
  CHECK(alt.matches("b"));
  CHECK_FALSE(alt.matches("ab"));  // ^(?:a|b)$, not ^a|b$
  const Matcher neg = m(MatchType::not_regex, "job", "a.*");
  CHECK(neg.matches("ba"));
  CHECK_FALSE(neg.matches("abc"));
  CHECK_FALSE(Matcher::make(MatchType::regex, "job", "(").ok());
  CHECK(Matcher::make(MatchType::equal, "job", "(").ok());  // not a regex
}

TEST_CASE("storage time ranges are closed at both ends", "[rules][promql][storage]") {
  MemoryStorage s;
  const Labels l(std::vector<Label>{{"__name__", "x"}});
  for (int t = 0; t <= 60000; t += 15000) s.append(l, t, t / 1000.0);
  const std::vector<Matcher> sel{m(MatchType::equal, "__name__", "x")};
  auto r = s.select(sel, 15000, 45000);
  REQUIRE(r.size() == 1);
  REQUIRE(r[0].samples.size() == 3);
  CHECK(r[0].samples.front().t == 15000);
  CHECK(r[0].samples.back().t == 45000);
  CHECK(r[0].hash == l.hash());
  CHECK(s.select(sel, 15001, 29999).empty());  // no sample in range: left out
  CHECK(s.select(sel, 60000, 60000)[0].samples.size() == 1);
  CHECK(s.select(sel, 60001, 90000).empty());
  CHECK(s.select(sel, -5000, 0)[0].samples[0].v == 0);
}

TEST_CASE("storage appends: an equal time replaces, an older one is put in place",
          "[rules][promql][storage]") {
  MemoryStorage s;
  const Labels l(std::vector<Label>{{"__name__", "x"}});
  const std::size_t id = s.series_id(l);
  CHECK(s.series_id(l) == id);
  s.append(id, 1000, 1);
  s.append(id, 3000, 3);
  s.append(id, 3000, 30);  // replaces
  s.append(id, 2000, 2);   // out of order
  s.append(id, 1000, 10);  // replaces an older one
  s.append(l, 4000, stale_nan());
  auto r = s.select({m(MatchType::equal, "__name__", "x")}, 0, 5000);
  REQUIRE(r.size() == 1);
  REQUIRE(r[0].samples.size() == 4);
  CHECK(r[0].samples[0].v == 10);
  CHECK(r[0].samples[1].v == 2);
  CHECK(r[0].samples[2].v == 30);
  CHECK(is_stale_nan(r[0].samples[3].v));  // kept as it is
}

TEST_CASE("storage trim drops old samples, then empty series", "[rules][promql][storage]") {
  MemoryStorage s = three();
  const Labels late({{"__name__", "up"}, {"job", "late"}});
  s.append(late, 1000, 1);
  s.append(late, 5000, 2);
  s.trim_before(2000);
  CHECK(s.series_count() == 1);
  CHECK(s.sample_count() == 1);
  auto r = s.select({m(MatchType::equal, "__name__", "up")}, 0, 10000);
  REQUIRE(r.size() == 1);
  CHECK(r[0].labels->to_string() == "{__name__=\"up\", job=\"late\"}");
  CHECK(r[0].samples[0].t == 5000);
  // What is left is still found by its name and appended to.
  s.append(late, 6000, 3);
  CHECK(s.series_count() == 1);
  CHECK(s.sample_count() == 2);
  s.clear();
  CHECK(s.series_count() == 0);
  CHECK(s.select({}, 0, 10000).empty());
}

TEST_CASE("matchers print with Go's %q quoting", "[rules][promql][storage]") {
  CHECK(m(MatchType::equal, "a", "b").to_string() == "a=\"b\"");
  CHECK(m(MatchType::not_equal, "a", "b").to_string() == "a!=\"b\"");
  CHECK(m(MatchType::regex, "a", "b.*").to_string() == "a=~\"b.*\"");
  CHECK(m(MatchType::not_regex, "a", "\\d").to_string() == "a!~\"\\\\d\"");
  CHECK(m(MatchType::equal, "a", "x\"y\n").to_string() == "a=\"x\\\"y\\n\"");
}
