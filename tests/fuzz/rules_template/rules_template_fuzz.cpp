// libFuzzer target for the Go-template parser and executor of alert labels and annotations: any
// bytes must parse (ok, or an error worded as Go's) and, when they parse, execute within the
// limits (output, iterations, depth, queries) without crashing, hanging or throwing. Seeds:
// corpus/ (the templates of tests/fixtures/rules/template_cases.json).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rules/template/template.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sonde::rules::tmpl;
  if (size > 16 * 1024) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto t = parse_alert_template("F", text);
  if (!t.ok()) {
    if (t.message().rfind("template: __alert_F:", 0) != 0) std::abort();
    return 0;
  }
  static const AlertData d = [] {
    AlertData a;
    a.labels = {{"instance", "db-1.example.com:9100"}, {"job", "node"}};
    a.external_labels = {{"cluster", "eu-1"}};
    a.external_url = "http://prom.example.com:9090/prom";
    a.value = 1234567.891;
    return a;
  }();
  Context ctx;
  ctx.external_url = d.external_url;
  ctx.limits.max_output_bytes = 64 * 1024;
  ctx.limits.max_iterations = 10'000;
  ctx.limits.max_depth = 200;
  ctx.limits.max_queries = 10;
  ctx.query = [](std::string_view) -> sonde::core::Result<std::vector<Sample>> {
    return std::vector<Sample>{{{{"__name__", "n"}, {"instance", "b"}}, 2, 0},
                               {{{"__name__", "n"}, {"instance", "a"}}, 1, 0}};
  };
  auto out = execute(*t, d, ctx);
  if (out.ok() && out->size() > ctx.limits.max_output_bytes) std::abort();
  return 0;
}
