// The template function table (functions.cpp): which names exist, their Go signatures, Go's
// truth, and exec.go's validateType messages for arguments of the wrong type.
#include <catch2/catch.hpp>
#include <string>

#include "rules/template/functions.hpp"
#include "rules/template/template.hpp"
#include "unit/rules/template_test_support.hpp"

using namespace sonde::rules::tmpl;

TEST_CASE("template functions: Go's builtins and Prometheus's FuncMap",
          "[rules][template][functions]") {
  for (const char* name :
       {"and", "or", "not", "len", "index", "slice", "print", "printf", "println", "html", "js",
        "urlquery", "call", "eq", "ne", "lt", "le", "gt", "ge"}) {
    INFO(name);
    REQUIRE(find_function(name) != nullptr);
    CHECK(find_function(name)->builtin);
  }
  for (const char* name : {"query",
                           "first",
                           "label",
                           "value",
                           "strvalue",
                           "args",
                           "reReplaceAll",
                           "safeHtml",
                           "match",
                           "title",
                           "toUpper",
                           "toLower",
                           "graphLink",
                           "tableLink",
                           "sortByLabel",
                           "humanize",
                           "humanize1024",
                           "humanizeDuration",
                           "humanizePercentage",
                           "humanizeTimestamp",
                           "pathPrefix",
                           "externalURL",
                           "parseDuration",
                           "stripPort"}) {
    INFO(name);
    REQUIRE(find_function(name) != nullptr);
    CHECK_FALSE(find_function(name)->builtin);
    CHECK(template_function_known(name));
  }
  CHECK(find_function("nope") == nullptr);
  CHECK_FALSE(template_function_known("Query"));
  const Function* printf_fn = find_function("printf");
  CHECK(printf_fn->variadic);
  CHECK(printf_fn->params == std::vector<Param>{Param::string, Param::any});
  CHECK(find_function("reReplaceAll")->params ==
        std::vector<Param>{Param::string, Param::string, Param::string});
  CHECK_FALSE(find_function("reReplaceAll")->variadic);
}

TEST_CASE("template functions: parameter types and validateType", "[rules][template][functions]") {
  CHECK(param_type_name(Param::any) == "interface {}");
  CHECK(param_type_name(Param::string) == "string");
  CHECK(param_type_name(Param::float64) == "float64");
  CHECK(param_type_name(Param::integer) == "int");
  CHECK(param_type_name(Param::sample) == "*template.sample");
  CHECK(param_type_name(Param::samples) == "template.queryResult");
  Value out;
  CHECK(validate_param(Value::string("x"), Param::string, out).empty());
  CHECK(out.s == "x");
  CHECK(validate_param(Value::integer(1), Param::string, out) ==
        "wrong type for value; expected string; got int");
  CHECK(validate_param(Value::string("1"), Param::float64, out) ==
        "wrong type for value; expected float64; got string");
  CHECK(validate_param(Value::floating(1), Param::any, out).empty());
  CHECK(param_can_be_nil(Param::any));
  CHECK(param_can_be_nil(Param::sample));
  CHECK_FALSE(param_can_be_nil(Param::string));
  CHECK(validate_param(Value{}, Param::string, out) == "invalid value; expected string");
  // Through a template: the executor reports the same text.
  using sonde::test::tmpl::run;
  // A value from a pipeline is checked by validateType; a constant by evalArg.
  CHECK(run("{{ 1 | title }}", Context{}).find("wrong type for value; expected string; got int") !=
        std::string::npos);
  CHECK(run("{{ title 1 }}", Context{}).find("expected string; found 1") != std::string::npos);
  CHECK(run("{{ toUpper }}", Context{}).find("wrong number of args for toUpper: want 1 got 0") !=
        std::string::npos);
}

TEST_CASE("template functions: Go's truth (isTrue)", "[rules][template][functions]") {
  CHECK_FALSE(truth(Value::integer(0)));
  CHECK(truth(Value::integer(-1)));
  CHECK_FALSE(truth(Value::floating(0)));
  CHECK(truth(Value::floating(NAN)));  // NaN != 0
  CHECK_FALSE(truth(Value::string("")));
  CHECK(truth(Value::string("false")));
  CHECK_FALSE(truth(Value::boolean(false)));
  Value nil;
  nil.kind = Kind::nil;
  CHECK_FALSE(truth(nil));
  CHECK_FALSE(truth(Value{}));
  CHECK(detail::query_escape("a b/c?d=é&") == "a+b%2Fc%3Fd%3D%C3%A9%26");
  CHECK(detail::query_escape("-_.~") == "-_.~");
}
