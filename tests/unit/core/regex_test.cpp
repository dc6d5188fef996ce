#include "core/regex.hpp"

#include <catch2/catch.hpp>

#include "core/result.hpp"

using sonde::core::Regex;

TEST_CASE("regexes are anchored as Prometheus anchors them", "[core][regex]") {
  auto re = Regex::compile("foo|bar");
  REQUIRE(re.ok());
  CHECK(re->matches("foo"));
  CHECK(re->matches("bar"));
  CHECK_FALSE(re->matches("foobar"));
  CHECK_FALSE(re->matches("xfoo"));
  CHECK(re->pattern() == "foo|bar");
  CHECK(Regex().matches("anything at all"));
  CHECK(Regex().matches(""));
}

TEST_CASE("unanchored regexes match anywhere, as Go's MatchString", "[core][regex]") {
  auto re = Regex::compile("^(ram|loop)\\d+$|sd", Regex::Anchor::none);
  REQUIRE(re.ok());
  CHECK(re->matches("ram0"));
  CHECK(re->matches("xsdx"));
  CHECK_FALSE(re->matches("nvme0n1"));
}

TEST_CASE("capture groups keep their numbers under the anchoring", "[core][regex]") {
  auto re = Regex::compile("(a+)-(b+)");
  REQUIRE(re.ok());
  CHECK(re->groups() == 2);
}

TEST_CASE("invalid patterns are errors with RE2's reason", "[core][regex]") {
  auto re = Regex::compile("a(b");
  REQUIRE_FALSE(re.ok());
  CHECK(re.message().find("missing )") != std::string::npos);
  CHECK_FALSE(Regex::compile("(?<name>x)").ok());  // Perl named groups: not Go syntax either
  CHECK_FALSE(Regex::compile("a{2,1}").ok());
}

TEST_CASE("a pathological pattern runs in linear time", "[core][regex]") {
  auto re = Regex::compile("(a*)*b");
  REQUIRE(re.ok());
  CHECK_FALSE(re->matches(std::string(100000, 'a')));  // std::regex backtracks or overflows here
}

TEST_CASE("Errors keeps the first 100 and counts the rest", "[core][result]") {
  sonde::core::Errors errors;
  for (int i = 0; i < 250; ++i) errors.add({"f.yaml", i + 1, 2, "a.b", "bad"});
  CHECK(errors.size() == 250);
  CHECK(errors.list().size() == 100);
  CHECK(errors.full());
  auto lines = errors.lines();
  REQUIRE(lines.size() == 101);
  CHECK(lines.front() == "f.yaml:1:2: a.b: bad");
  CHECK(lines.back() == "... and 150 more errors");
}
