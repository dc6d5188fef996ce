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
