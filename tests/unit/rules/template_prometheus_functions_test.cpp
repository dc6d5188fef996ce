// Prometheus 2.42's template functions (prometheus_functions.cpp, template/template.go): query
// and its callback, the sample accessors, humanize*, the links, externalURL and pathPrefix.
#include <catch2/catch.hpp>

#include "rules/template/template.hpp"
#include "unit/rules/template_test_support.hpp"

using namespace sonde::rules::tmpl;
namespace core = sonde::core;
using sonde::test::tmpl::run;

TEST_CASE("query calls the caller's function and keeps its order", "[rules][template]") {
  Context ctx;
  std::vector<std::string> asked;
  ctx.query = [&](std::string_view q) -> core::Result<std::vector<Sample>> {
    asked.emplace_back(q);
    if (q == "bad(") return core::error("1:5: parse error: unexpected end of input");
    return std::vector<Sample>{{{{"instance", "b"}}, 2, 1000}, {{{"instance", "a"}}, 0.5, 1000}};
  };
  CHECK(run(R"({{ range query "up" }}{{ .Labels.instance }}={{ .Value }} {{ end }})", ctx) ==
        "b=2 a=0.5 ");
  CHECK(run(R"({{ range sortByLabel "instance" (query "up") }}{{ label "instance" . }}{{ end }})",
            ctx) == "ab");
  CHECK(asked == std::vector<std::string>{"up", "up"});
  CHECK(run(R"({{ query "bad(" }})", ctx) ==
        "ERROR: template: t:1:3: executing \"t\" at <query \"bad(\">: error calling query: 1:5: "
        "parse error: unexpected end of input");
}

TEST_CASE("query without a query function is an execution error", "[rules][template]") {
  Context ctx;
  CHECK(run(R"({{ query "up" }})", ctx).find("error calling query: no query function") !=
        std::string::npos);
}

TEST_CASE("externalURL and pathPrefix use the caller's URL", "[rules][template]") {
  Context ctx;
  ctx.external_url = "https://prom.example.com/sub/path?x=1";
  CHECK(run("{{ externalURL }}|{{ pathPrefix }}", ctx) ==
        "https://prom.example.com/sub/path?x=1|/sub/path");
  ctx.external_url = "http://localhost:9090";
  CHECK(run("[{{ pathPrefix }}]", ctx) == "[]");
}

TEST_CASE("humanize family: template_test.go's values", "[rules][template][prometheus_functions]") {
  Context ctx;
  auto each = [&](const char* fn, const char* list) {
    return run(std::string("{{ range (args ") + list + ") }}{{ " + fn + " . }}:{{ end }}", ctx);
  };
  CHECK(each("humanize", "0.0 1.0 1234567.0 0.12") == "0:1:1.235M:120m:");
  CHECK(each("humanize", "0.0012 1e-9 1e30 -1234.5") == "1.2m:1n:1e+06Y:-1.234k:");
  CHECK(each("humanize1024", "0.0 1.0 1048576.0 0.12") == "0:1:1Mi:0.12:");
  CHECK(each("humanize1024", "1536.0 1e30") == "1.5ki:8.272e+05Yi:");
  CHECK(each("humanizeDuration", "0.0 1.0 60.0 3600.0 86400.0 90000.0 -183845.0 899.99") ==
        "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:");
  CHECK(each("humanizeDuration", "0.1 0.0001 0.12345 60.1 60.5 1.2345 12.345") ==
        "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:");
  CHECK(each("humanizePercentage", "0.0 0.1234567 1.0 1.5") == "0%:12.35%:100%:150%:");
  CHECK(run("{{ humanizeTimestamp 1435065584.128 }}", ctx) == "2015-06-23 13:19:44.128 +0000 UTC");
  // Strings are converted first (2.42's convertToFloat); a bad one is an error.
  CHECK(run("{{ humanize \"1234567\" }}|{{ humanizeDuration \"1\" }}", ctx) == "1.235M|1s");
  CHECK(
      run("{{ humanize \"x\" }}", ctx).find("strconv.ParseFloat: parsing \"x\": invalid syntax") !=
      std::string::npos);
  CHECK(run("{{ humanize \"NaN\" }}|{{ humanizeDuration \"Inf\" }}", ctx) == "NaN|+Inf");
}

TEST_CASE("string helpers: title, case, stripPort, parseDuration, args",
          "[rules][template][prometheus_functions]") {
  Context ctx;
  CHECK(run("{{ \"aa bb CC\" | title }}|{{ \"aa bb CC\" | toUpper }}|{{ \"aa bb CC\" | toLower }}",
            ctx) == "Aa Bb CC|AA BB CC|aa bb cc");
  CHECK(run("{{ stripPort \"foo.com:8080\" }}|{{ stripPort \"[2001:0DB8::1]:8080\" }}|"
            "{{ stripPort \"foo.com\" }}",
            ctx) == "foo.com|2001:0DB8::1|foo.com");
  CHECK(run("{{ parseDuration \"1h2m10ms\" }}", ctx) == "3720.01");
  CHECK(run("{{ parseDuration \"1x\" }}", ctx).find("error calling parseDuration") !=
        std::string::npos);
  CHECK(run("{{ with args 1 \"two\" }}{{ .arg0 }} {{ .arg1 }}{{ end }}", ctx) == "1 two");
  CHECK(run("{{ \"<b>\" | safeHtml }}", ctx) == "<b>");
  CHECK(run("{{ graphLink \"up{a=\\\"b\\\"}\" }}", ctx) ==
        "/graph?g0.expr=up%7Ba%3D%22b%22%7D&g0.tab=0");
  CHECK(run("{{ tableLink \"up\" }}", ctx) == "/graph?g0.expr=up&g0.tab=1");
}

TEST_CASE("sample accessors: first, label, value, strvalue, sortByLabel",
          "[rules][template][prometheus_functions]") {
  Context ctx;
  ctx.query = [](std::string_view) -> core::Result<std::vector<Sample>> {
    return std::vector<Sample>{{{{"__name__", "up"}, {"instance", "b"}}, 0, 0},
                               {{{"__name__", "up"}, {"instance", "a"}}, 1, 0}};
  };
  CHECK(run("{{ with query \"up\" }}{{ . | first | label \"instance\" }}{{ end }}", ctx) == "b");
  CHECK(run("{{ with query \"up\" }}{{ . | first | value }}{{ end }}", ctx) == "0");
  CHECK(run("{{ with query \"up\" }}{{ . | first | strvalue }}{{ end }}", ctx) ==
        "");  // no __value__ label
  CHECK(run("{{ range query \"up\" | sortByLabel \"instance\" }}{{ .Labels.instance }}{{ end }}",
            ctx) == "ab");
  CHECK(run("{{ with query \"up\" }}{{ . | first | label \"missing\" }}{{ end }}", ctx) == "");
  ctx.query = [](std::string_view) -> core::Result<std::vector<Sample>> {
    return std::vector<Sample>{};
  };
  CHECK(run("{{ query \"up\" | first }}", ctx)
            .find("error calling first: first() called on "
                  "vector with no elements") != std::string::npos);
}
