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
