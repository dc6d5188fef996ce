// Go 1.19's text/template builtins (builtins.cpp: funcs.go), with cases from Go's exec_test.go:
// and/or/not with Go's truth, len/index/slice, the print family, the escapers, comparisons.
#include <catch2/catch.hpp>
#include <string>

#include "rules/template/template.hpp"
#include "unit/rules/template_test_support.hpp"

using namespace sonde::rules::tmpl;
using sonde::test::tmpl::run;

namespace {

std::string t(std::string_view text) { return run(text, Context{}); }

bool has(const std::string& out, std::string_view part) {
  return out.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("and, or, not: Go's truth, the deciding argument returned",
          "[rules][template][builtins]") {
  CHECK(t("{{ and 1 0 }}|{{ and 1 1 }}|{{ and 1 \"\" 2 }}") == "0|1|");
  CHECK(t("{{ or 0 \"\" }}|{{ or 0 1 }}|{{ or \"a\" 0 }}") == "|1|a");
  CHECK(t("{{ not 0 }}|{{ not \"x\" }}|{{ not .ExternalURL }}") == "true|false|true");
  // Short-circuit (Go 1.18): the argument after the deciding one is not evaluated.
  CHECK(t("{{ and 0 (index \"a\" 5) }}") == "0");
  CHECK(t("{{ or 1 (index \"a\" 5) }}") == "1");
}

TEST_CASE("len, index, slice", "[rules][template][builtins]") {
  CHECK(t("{{ len \"abc\" }}|{{ len \"é\" }}") == "3|2");  // bytes
  CHECK(t("{{ with args 1 2 3 }}{{ len . }}{{ end }}") == "3");
  CHECK(t("{{ index \"abc\" 1 }}") == "98");
  CHECK(has(t("{{ index \"abc\" 5 }}"), "error calling index: index out of range: 5"));
  CHECK(has(t("{{ len 3 }}"), "error calling len: len of type int"));
  CHECK(t("{{ slice \"abcd\" 1 3 }}|{{ slice \"abcd\" 2 }}|{{ slice \"abcd\" }}") == "bc|cd|abcd");
  CHECK(has(t("{{ slice \"abcd\" 3 1 }}"), "error calling slice: invalid slice index: 3 > 1"));
  CHECK(t("{{ with args \"x\" \"y\" }}{{ index . \"arg1\" }}{{ end }}") == "y");
}

TEST_CASE("print, printf, println as fmt's Sprint family", "[rules][template][builtins]") {
  CHECK(t("{{ print 1 2 }}|{{ print \"a\" \"b\" }}|{{ print \"a\" 1 \"b\" }}") == "1 2|ab|a1b");
  CHECK(t("{{ println 1 \"a\" }}") == "1 a\n");
  CHECK(t("{{ printf \"%d-%s-%5.2f|%x|%q|%v|%%\" 7 \"s\" 3.14159 255 \"q\" true }}") ==
        "7-s- 3.14|ff|\"q\"|true|%");
  CHECK(t("{{ printf \"%d\" \"x\" }}") == "%!d(string=x)");
  CHECK(t("{{ printf \"%s\" }}") == "%!s(MISSING)");
  CHECK(t("{{ printf \"%d\" 1 2 }}") == "1%!(EXTRA int=2)");
}

TEST_CASE("html, js, urlquery escape as Go's", "[rules][template][builtins]") {
  CHECK(t("{{ html \"<a&b>\" }}") == "&lt;a&amp;b&gt;");
  CHECK(t(R"({{ html "'\"" }})") == "&#39;&#34;");
  CHECK(t(R"({{ js "<'\">&=" }})") == R"(\u003C\'\"\u003E\u0026\u003D)");
  CHECK(t("{{ urlquery \"a b&c/é\" }}") == "a+b%26c%2F%C3%A9");
  CHECK(t("{{ html 1 \"<\" }}") == "1&lt;");  // arguments printed as print does
}

TEST_CASE("eq, ne, lt, le, gt, ge: Go's basic kinds", "[rules][template][builtins]") {
  CHECK(t("{{ eq 1 1 }}|{{ eq 1 2 3 1 }}|{{ eq \"a\" \"a\" }}|{{ eq 1.5 1.5 }}") ==
        "true|true|true|true");
  CHECK(t("{{ ne 1 2 }}|{{ lt 1 2 }}|{{ le 2 2 }}|{{ gt \"b\" \"a\" }}|{{ ge 1.5 2.5 }}") ==
        "true|true|true|true|false");
  CHECK(has(t("{{ eq \"a\" 1 }}"), "error calling eq: incompatible types for comparison"));
  CHECK(has(t("{{ lt 1.5 2 }}"), "error calling lt: incompatible types for comparison"));
  CHECK(has(t("{{ lt true false }}"), "error calling lt: invalid type for comparison"));
  CHECK(t("{{ eq true true }}") == "true");
  CHECK(has(t("{{ eq }}"), "wrong number of args for eq: want at least 1 got 0"));
}
