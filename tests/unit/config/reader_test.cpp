#include "config/reader.hpp"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "config/loader.hpp"
#include "read_errors.hpp"
#include "support/test_support.hpp"

using namespace sonde;

namespace {

using test::Lines;
using test::read_errors;

TEST_CASE("error messages quote and shorten what was found", "[config]") {
  const auto r =
      config::load_string("log:\n  level: \"a\\tb\\\"c\\u0001" + std::string(100, 'x') + "\"\n");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors.list()[0].message == "expected debug, info, warn or error, got \"a\\tb\\\"c\\x01" +
                                          std::string(54, 'x') + "...\"");  // 60 characters shown
}

TEST_CASE("join, quote and describe spell paths and found values", "[config][reader]") {
  CHECK(config::join("", "web") == "web");
  CHECK(config::join("web", "listen_address") == "web.listen_address");
  CHECK(config::quote("a\"b") == "\"a\\\"b\"");
  CHECK(config::describe(YAML::Load("{a: 1}")) == "a map");
  CHECK(config::describe(YAML::Load("[1]")) == "a list");
  CHECK(config::describe(YAML::Load("x")) == "\"x\"");
  CHECK(config::describe(YAML::Load("~")) == "an empty value");
  CHECK(config::describe(YAML::Node()) == "an empty value");
}

TEST_CASE("check_regex keeps only RE2's reason", "[config][reader]") {
  CHECK(config::check_regex("^a+$").ok());
  const auto st = config::check_regex("(a");
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "missing ): (a");
}

TEST_CASE("only_keys: unknown and duplicate keys at their line and column", "[config][reader]") {
  const auto lines = read_errors("a: 1\nb: 2\na: 3\n", [](config::Reader& r, const YAML::Node& n) {
    CHECK(r.only_keys(n, "s", {"a"}));
  });
  CHECK(lines == Lines{"f.yaml:2:1: s: unknown key \"b\"; expected one of: a",
                       "f.yaml:3:1: s: duplicate key \"a\" (first at line 1)"});
  const auto not_map = read_errors("s: [1]\n", [](config::Reader& r, const YAML::Node& n) {
    CHECK_FALSE(r.only_keys(n["s"], "s", {"a"}));
  });
  CHECK(not_map == Lines{"f.yaml:1:4: s: expected a map, got a list"});
  // Absent or empty sections have no keys to check.
  CHECK(read_errors("s:\n", [](config::Reader& r, const YAML::Node& n) {
          CHECK(r.only_keys(n["s"], "s", {"a"}));
        }).empty());
}

TEST_CASE("Reader's typed values: the value, or an error at its column", "[config][reader]") {
  bool flag = false;
  int number = 0;
  core::Millis interval{0};
  std::string re;
  std::filesystem::path dir;
  const auto good = read_errors("b: true\ni: 42\nd: 1m30s\nr: '^x$'\np: /var/lib\n",
                                [&](config::Reader& r, const YAML::Node& n) {
                                  r.boolean(n, "s", "b", flag);
                                  r.integer(n, "s", "i", number, 1, 100);
                                  r.duration(n, "s", "d", interval, core::Millis(1000));
                                  r.regex(n, "s", "r", re);
                                  r.path(n, "s", "p", dir);
                                });
  CHECK(good.empty());
  CHECK(flag);
  CHECK(number == 42);
  CHECK(interval == core::Millis(90000));
  CHECK(re == "^x$");
  CHECK(dir == "/var/lib");

  int kept = 7;
  const auto bad = read_errors("b: 'true'\ni: 0x10\nj: 101\nd: 5\ne: 500ms\nr: '(a'\np: rel\n",
                               [&](config::Reader& r, const YAML::Node& n) {
                                 r.boolean(n, "s", "b", flag);
                                 r.integer(n, "s", "i", kept, 1, 100);
                                 r.integer(n, "s", "j", kept, 1, 100);
                                 r.duration(n, "s", "d", interval, core::Millis(1000));
                                 r.duration(n, "s", "e", interval, core::Millis(1000));
                                 r.regex(n, "s", "r", re);
                                 r.path(n, "s", "p", dir);
                               });
  CHECK(bad == Lines{
                   "f.yaml:1:4: s.b: expected true or false, got a quoted string \"true\"",
                   "f.yaml:2:4: s.i: expected an integer between 1 and 100, got \"0x10\"",
                   "f.yaml:3:4: s.j: must be between 1 and 100, got 101",
                   "f.yaml:4:4: s.d: expected a duration such as 5s, 1m30s or 500ms, got \"5\"",
                   "f.yaml:5:4: s.e: must be at least 1s, got 500ms",
                   "f.yaml:6:4: s.r: invalid regular expression \"(a\": missing ): (a",
                   "f.yaml:7:4: s.p: must be an absolute path, got \"rel\"",
               });
  CHECK(kept == 7);  // a bad value leaves the default
  CHECK(interval == core::Millis(90000));
}

TEST_CASE("Reader::regex refuses patterns past kMaxRegexBytes", "[config][reader]") {
  std::string re;
  const std::string yaml = "r: '" + std::string(config::kMaxRegexBytes + 1, 'a') + "'\n";
  const auto lines =
      read_errors(yaml, [&](config::Reader& r, const YAML::Node& n) { r.regex(n, "s", "r", re); });
  CHECK(lines == Lines{"f.yaml:1:4: s.r: regular expression longer than 1024 bytes, got 1025"});
  CHECK(re.empty());
}

TEST_CASE("Reader::choice names every option in its error", "[config][reader]") {
  enum class Mode { a, b, c } mode = Mode::a;
  const auto lines = read_errors("m: b\nn: d\n", [&](config::Reader& r, const YAML::Node& n) {
    r.choice(n, "s", "m", mode, {{"a", Mode::a}, {"b", Mode::b}, {"c", Mode::c}});
    r.choice(n, "s", "n", mode, {{"a", Mode::a}, {"b", Mode::b}, {"c", Mode::c}});
  });
  CHECK(mode == Mode::b);
  CHECK(lines == Lines{"f.yaml:2:4: s.n: expected a, b or c, got \"d\""});
}

}  // namespace
