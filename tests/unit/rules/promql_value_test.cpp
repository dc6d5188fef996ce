// Labels' view without __name__ (no copy) against label sets built without it, and Points'
// inline first point against std::vector's behaviour.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "rules/promql/value.hpp"

using namespace sonde::rules::promql;

namespace {

/// The same set built from scratch: what the view must be indistinguishable from.
Labels rebuilt(const Labels& l) { return Labels(std::vector<Label>(l.begin(), l.end())); }

}  // namespace

TEST_CASE("dropping __name__ gives a view equal to the set built without it", "[promql]") {
  const std::vector<std::vector<Label>> sets = {
      {{"__name__", "m"}},
      {{"__name__", "m"}, {"a", "1"}},
      {{"__name__", "node_filesystem_avail_bytes"},
       {"device", "/dev/sda1"},
       {"instance", "host.example.com:9100"},
       {"mountpoint", "/var/lib/something/long"}},
      // Upper-case names sort before __name__: no view, a copy.
      {{"Zone", "eu"}, {"__name__", "m"}, {"a", "1"}},
      {{"a", "1"}},
      {},
  };
  for (const auto& v : sets) {
    const Labels named(v);
    Labels bare = named;
    bare.erase(kMetricName);
    std::vector<Label> expect;
    for (const auto& l : v)
      if (l.name != kMetricName) expect.push_back(l);
    const Labels built(expect);
    INFO(named.to_string());
    CHECK(bare == built);
    CHECK(built == bare);
    CHECK(bare.hash() == built.hash());
    CHECK(bare.hash() == rebuilt(bare).hash());
    CHECK(bare.size() == expect.size());
    CHECK(bare.empty() == expect.empty());
    CHECK(bare.to_string() == built.to_string());
    CHECK_FALSE(bare.has(kMetricName));
    CHECK(bare.get(kMetricName).empty());
    CHECK_FALSE(bare < built);
    CHECK_FALSE(built < bare);
    CHECK(named.without_name() == built);
    CHECK(named.hash_for({}, true) == built.hash());
    CHECK(bare.hash_for({}, true) == built.hash());
    CHECK(bare.hash_for({"a"}, true) == built.hash_for({"a"}, true));
    CHECK(bare.hash_for({"a"}, false) == built.hash_for({"a"}, false));
    CHECK(named.hash_for({"a"}, false) == built.hash_for({"a"}, false));
    // Changes to the view copy on write, as to the set built without the name.
    Labels changed = bare, changed_built = built;
    changed.set("b", "2");
    changed_built.set("b", "2");
    CHECK(changed == changed_built);
    CHECK(changed.hash() == changed_built.hash());
    changed.set(kMetricName, "again");
    changed_built.set(kMetricName, "again");
    CHECK(changed == changed_built);
    changed.erase("a");
    changed_built.erase("a");
    CHECK(changed == changed_built);
    // Erasing twice is erasing once; the original is untouched.
    Labels twice = bare;
    twice.erase(kMetricName);
    CHECK(twice == built);
    CHECK(Labels(v) == named);
  }
}

TEST_CASE("a label set with __name__ and its view differ, and order as Prometheus's", "[promql]") {
  const Labels named({{"__name__", "m"}, {"a", "1"}});
  const Labels bare = named.without_name();
  CHECK_FALSE(named == bare);
  CHECK(named.hash() != bare.hash());
  // labels.Compare: "__name__" < "a".
  CHECK(named < bare);
  CHECK_FALSE(bare < named);
}

TEST_CASE("Points keep the first point inline and grow as a vector", "[promql]") {
  Points p;
  CHECK(p.empty());
  std::vector<Point> ref;
  for (int i = 0; i < 100; ++i) {
    p.push_back(Point{i, i * 0.5});
    ref.push_back(Point{i, i * 0.5});
    REQUIRE(p.size() == ref.size());
    CHECK(p.back().t == i);
    CHECK(p.front().t == 0);
  }
  for (std::size_t i = 0; i < ref.size(); ++i) CHECK(p[i].v == ref[i].v);
  Points copy = p;
  Points moved = std::move(p);
  CHECK(p.empty());
  REQUIRE(copy.size() == 100);
  REQUIRE(moved.size() == 100);
  CHECK(copy[99].v == moved[99].v);
  Points one{Point{7, 1.5}};
  Points one_copy = one;
  Points one_moved = std::move(one);
  CHECK(one_copy.size() == 1);
  CHECK(one_moved[0].t == 7);
  CHECK(one_moved.data() != one_copy.data());
  std::span<const Point> s = one_moved;
  CHECK(s.size() == 1);
  CHECK(s[0].v == 1.5);
  copy = one_copy;  // a shorter copy over a longer one
  CHECK(copy.size() == 1);
  CHECK(copy[0].t == 7);
  copy.clear();
  CHECK(copy.empty());
  copy.push_back(Point{1, 2});
  CHECK(copy.size() == 1);
}
