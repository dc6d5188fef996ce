// Template values (value.cpp): Go's type names, how an action prints a value, and fmt's
// Sprint/Sprintln/Sprintf over them (verbs, flags, width and precision, bad verbs), with cases
// from Go's fmt_test.go.
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "rules/template/template.hpp"
#include "rules/template/value.hpp"
#include "unit/rules/template_test_support.hpp"

using namespace sonde::rules::tmpl;

namespace {

// Not ::sprintf.
std::string go_sprintf(const std::string& format, const std::vector<Value>& args) {
  return sonde::rules::tmpl::sprintf(format, args);
}

Value i(std::int64_t v) { return Value::integer(v); }
Value f(double v) { return Value::floating(v); }
Value s(std::string v) { return Value::string(std::move(v)); }
Value b(bool v) { return Value::boolean(v); }
Value nil() {
  Value v;
  v.kind = Kind::nil;
  return v;
}

}  // namespace

TEST_CASE("template values: Go's type names", "[rules][template][value]") {
  CHECK(type_name(i(1)) == "int");
  CHECK(type_name(f(1)) == "float64");
  CHECK(type_name(s("")) == "string");
  CHECK(type_name(b(true)) == "bool");
  CHECK(type_name(Value::string("x", Kind::html)) == "template.HTML");
  Value l;
  l.kind = Kind::labels;
  l.labels = std::make_shared<const Labels>();
  CHECK(type_name(l) == "map[string]string");
  Value smp;
  smp.kind = Kind::sample;
  CHECK(type_name(smp) == "*template.sample");
  Value list;
  list.kind = Kind::samples;
  CHECK(type_name(list) == "template.queryResult");
}

TEST_CASE("template values: how an action prints them", "[rules][template][value]") {
  CHECK(print_action(Value{}) == "<no value>");
  CHECK(print_action(nil()) == "<nil>");
  CHECK(print_action(b(false)) == "false");
  CHECK(print_action(i(-42)) == "-42");
  CHECK(print_action(f(0.1)) == "0.1");
  CHECK(print_action(f(1e21)) == "1e+21");
  CHECK(print_action(f(123456789)) == "1.23456789e+08");
  CHECK(print_action(f(NAN)) == "NaN");
  CHECK(print_action(f(-INFINITY)) == "-Inf");
  CHECK(print_action(s("<a>")) == "<a>");  // text/template does not escape
  Value l;
  l.kind = Kind::labels;
  l.labels = std::make_shared<const Labels>(Labels{{"b", "2"}, {"a", "1"}});
  CHECK(print_action(l) == "map[a:1 b:2]");  // map keys sorted
}

TEST_CASE("template values: Sprint spaces operands when neither is a string",
          "[rules][template][value]") {
  CHECK(sprint({i(1), i(2)}) == "1 2");
  CHECK(sprint({s("a"), i(1), s("b")}) == "a1b");
  CHECK(sprint({i(1), s("a"), i(2)}) == "1a2");
  CHECK(sprint({f(1.5), b(true)}) == "1.5 true");
  CHECK(sprint({}) == "");
  CHECK(sprintln({s("a"), s("b"), i(3)}) == "a b 3\n");  // Sprintln always spaces
}

TEST_CASE("template values: Sprintf verbs, flags, width and precision",
          "[rules][template][value]") {
  CHECK(go_sprintf("%d|%5d|%-5d|%05d|%+d|%x|%X|%o|%b|%c",
                   {i(42), i(42), i(42), i(42), i(42), i(255), i(255), i(8), i(5), i(65)}) ==
        "42|   42|42   |00042|+42|ff|FF|10|101|A");
  CHECK(go_sprintf("%f|%.2f|%8.3f|%e|%g|%G|%.3g", {f(3.14159), f(3.14159), f(3.14159), f(1234.5678),
                                                   f(1e-7), f(1e21), f(1234.5678)}) ==
        "3.141590|3.14|   3.142|1.234568e+03|1e-07|1E+21|1.23e+03");
  CHECK(go_sprintf("%s|%q|%v|%10s|%-4s|%.2s|%x",
                   {s("go"), s("a\"b"), s("v"), s("right"), s("l"), s("trunc"), s("hi")}) ==
        "go|\"a\\\"b\"|v|     right|l   |tr|6869");
  CHECK(go_sprintf("%t|%v", {b(true), b(false)}) == "true|false");
  CHECK(go_sprintf("%T %T %T %T", {i(1), f(1), s(""), b(true)}) == "int float64 string bool");
  CHECK(go_sprintf("%q", {i(65)}) == "'A'");
  CHECK(go_sprintf("%U", {i(0x1F600)}) == "U+1F600");
  CHECK(go_sprintf("%*d", {i(4), i(7)}) == "   7");
}

TEST_CASE("template values: Sprintf's errors in the output, as fmt writes them",
          "[rules][template][value]") {
  CHECK(go_sprintf("%d", {s("x")}) == "%!d(string=x)");
  CHECK(go_sprintf("%s", {i(5)}) == "%!s(int=5)");
  CHECK(go_sprintf("%d %d", {i(1)}) == "1 %!d(MISSING)");
  CHECK(go_sprintf("%d", {i(1), s("x")}) == "1%!(EXTRA string=x)");
  CHECK(go_sprintf("%z", {i(1)}) == "%!z(int=1)");
  CHECK(go_sprintf("%!", {}) == "%!!(MISSING)");  // `!` is a verb, with no operand
  CHECK(go_sprintf("50%", {}) == "50%!(NOVERB)");
  CHECK(go_sprintf("%d", {nil()}) == "%!d(<nil>)");
  CHECK(go_sprintf("100%%", {}) == "100%");
}

TEST_CASE("template values: Go's truth for if, with and range", "[rules][template][value]") {
  using sonde::test::tmpl::run;
  Context ctx;
  auto truth_of = [&](const char* v) {
    return run(std::string("{{ if ") + v + " }}T{{ else }}F{{ end }}", ctx);
  };
  CHECK(truth_of("0") == "F");
  CHECK(truth_of("1") == "T");
  CHECK(truth_of("0.0") == "F");
  CHECK(truth_of("-0.5") == "T");
  CHECK(truth_of("\"\"") == "F");
  CHECK(truth_of("\"0\"") == "T");
  CHECK(truth_of("false") == "F");
  CHECK(truth_of("nil") != "T");      // Go: nil is not a command
  CHECK(truth_of(".Labels") == "F");  // an empty map
  CHECK(truth_of("(args)") == "F");
  CHECK(truth_of("(args 0)") == "T");  // a map with one entry
  CHECK(run("{{ with \"\" }}x{{ else }}empty{{ end }}", ctx) == "empty");
  CHECK(run("{{ range $i, $v := args \"a\" \"b\" }}{{ $i }}={{ $v }};{{ end }}", ctx) ==
        "arg0=a;arg1=b;");
}
