// `match` and `reReplaceAll` (regexp_functions.cpp): Go's regexp, unanchored, with
// regexp.Expand's references.
#include <catch2/catch.hpp>

#include "rules/template/template.hpp"
#include "unit/rules/template_test_support.hpp"

using namespace sonde::rules::tmpl;
namespace core = sonde::core;
using sonde::test::tmpl::run;

TEST_CASE("reReplaceAll expands references as Go's regexp.Expand", "[rules][template]") {
  Context ctx;
  CHECK(run(R"t({{ reReplaceAll "(a)(?P<x>b)" "[$1|${x}|$$|$2x|$01]" "abab" }})t", ctx) ==
        "[a|b|$||][a|b|$||]");  // $2x names the group "2x"; $01 names the group "01"
  CHECK(run(R"t({{ reReplaceAll "a*" "-" "baaac" }})t", ctx) == "-b-c-");
}

TEST_CASE("match is unanchored Go regexp, errors reported", "[rules][template][regexp]") {
  Context ctx;
  CHECK(run(R"({{ match "a+" "baaa" }}|{{ match "^a+$" "baaa" }})", ctx) == "true|false");
  CHECK(run(R"({{ "aaa" | match "a+" }})", ctx) == "true");
  CHECK(run(R"({{ match "(?i)ab" "xAB" }})", ctx) == "true");
  CHECK(run(R"({{ match "[" "x" }})", ctx)
            .find("error calling match: error parsing regexp: "
                  "missing closing ]: `[`") != std::string::npos);
  CHECK(run(R"t({{ reReplaceAll "(a)a" "x$1" "aaa" }})t", ctx) == "xaa");
  CHECK(run(R"t({{ reReplaceAll "(" "" "x" }})t", ctx).find("error calling reReplaceAll") !=
        std::string::npos);
  CHECK(run(R"t({{ reReplaceAll "^" "-" "ab" }})t", ctx) == "-ab");
  CHECK(run(R"t({{ reReplaceAll "b" "" "abcb" }})t", ctx) == "ac");
}
