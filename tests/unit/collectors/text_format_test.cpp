#include "collectors/text_format.hpp"

#include <limits>

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("parse_text_format reads the text format as expfmt does", "[collectors][textfile]") {
  const auto f = parse_text_format(
      "# HELP a_total Help with \\\\ and \\n.\n# TYPE a_total counter\n"
      "a_total{x=\"1\",y=\"q\\\"\\n\\\\\"} 3\n  a_total 4\n\n# a comment\n"
      "# TYPE s summary\ns{quantile=\"0.5\",k=\"v\"} 1\ns_sum{k=\"v\"} 2\ns_count{k=\"v\"} 3.9\n"
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 5\nh_count 2\n"
      "untyped_one{trailing=\"comma\",} -Inf\n# HELP empty \n# TYPE empty gauge\n");
  REQUIRE(f.ok());
  REQUIRE(f->size() == 4);  // "empty" has no sample: dropped
  const TextFamily& a = (*f)[0];
  CHECK(a.help == "Help with \\ and \n.");
  CHECK(a.type == core::MetricType::counter);
  REQUIRE(a.metrics.size() == 2);
  CHECK(a.metrics[0].labels[1].second == "q\"\n\\");
  const TextFamily& s = (*f)[1];
  REQUIRE(s.metrics.size() == 1);
  CHECK(s.metrics[0].quantiles.size() == 1);
  CHECK(s.metrics[0].count == 3);  // truncated, as expfmt's uint64
  CHECK(s.metrics[0].sum == 2);
  CHECK((*f)[2].metrics[0].buckets.size() == 2);
  CHECK_FALSE((*f)[3].help.has_value());
  CHECK((*f)[3].type == core::MetricType::untyped);

  struct Case {
    const char* name;
    const char* text;
  };
  const Case bad[] = {
      {"no final newline", "a 1"},
      {"bad name", "1a 1\n"},
      {"no value", "a\n"},
      {"bad value", "a one\n"},
      {"bad timestamp", "a 1 soon\n"},
      {"text after timestamp", "a 1 2 3\n"},
      {"second HELP", "# HELP a x\n# HELP a y\na 1\n"},
      {"TYPE after samples", "a 1\n# TYPE a gauge\n"},
      {"second TYPE", "# TYPE a gauge\n# TYPE a gauge\n"},
      {"unknown type", "# TYPE a meter\n"},
      {"bad label name", "a{1x=\"1\"} 1\n"},
      {"reserved label name", "a{__name__=\"b\"} 1\n"},
      {"unterminated value", "a{x=\"1} 1\n"},
      {"bad escape", "a{x=\"\\t\"} 1\n"},
      {"duplicate label", "a{x=\"1\",x=\"2\"} 1\n"},
      {"missing comma", "a{x=\"1\" y=\"2\"} 1\n"},
      {"invalid UTF-8", "a{x=\"\xff\"} 1\n"},
      {"summary without quantile", "# TYPE s summary\ns 1\n"},
      {"bucket without le", "# TYPE h histogram\nh_bucket 1\n"},
      {"bad le", "# TYPE h histogram\nh_bucket{le=\"x\"} 1\n"},
      {"bad HELP name", "# HELP 1 x\n"},
  };
  for (const Case& c : bad) {
    INFO(c.name);
    const auto r = parse_text_format(c.text);
    CHECK_FALSE(r.ok());
  }
  const auto ts = parse_text_format("a 1 1441205977284\n");
  REQUIRE(ts.ok());
  CHECK((*ts)[0].metrics[0].timestamp);
}

TEST_CASE("parse_text_format names the line and what is wrong with it", "[collectors][textfile]") {
  const struct {
    const char* text;
    const char* error;
  } cases[] = {
      {"a 1", "the last line lacks its newline (a file being written?)"},
      {"a 1\n1a 1\n", "line 2: invalid metric name"},
      {"# HELP 1 x\n", "line 1: invalid metric name in comment"},
      {"# HELP a x\n# HELP a y\na 1\n", "line 2: second HELP line for metric name \"a\""},
      {"# HELP a x\\t\n", "line 1: invalid escape sequence in HELP"},
      {"# TYPE a meter\n", "line 1: unknown metric type \"meter\""},
      {"# TYPE a gauge extra\n", "line 1: unexpected text after the type"},
      {"a{__name__=\"b\"} 1\n", "line 1: label name \"__name__\" is reserved"},
      {"a{x} 1\n", "line 1: expected '=' after label name"},
      {"a{x=1} 1\n", "line 1: expected '\"' to start a label value"},
      {"a{x=\"1} 1\n", "line 1: unterminated label value"},
      {"a{x=\"\\t\"} 1\n", "line 1: invalid escape sequence in label value"},
      {"a{x=\"\xff\"} 1\n", "line 1: label value is not valid UTF-8"},
      {"a{x=\"1\",x=\"2\"} 1\n", "line 1: duplicate label name \"x\""},
      {"a{x=\"1\" y=\"2\"} 1\n", "line 1: expected ',' or '}' after a label value"},
      {"\n\na one\n", "line 3: invalid value \"one\""},
      {"a 1 soon\n", "line 1: invalid timestamp \"soon\""},
      {"a 1 2 3\n", "line 1: unexpected text after the timestamp"},
      {"# TYPE s summary\ns 1\n", "line 2: summary sample without a quantile label"},
      {"# TYPE h histogram\nh_bucket 1\n", "line 2: bucket without an le label"},
      {"# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", "line 2: invalid le value \"x\""},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto r = parse_text_format(c.text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.message() == c.error);
  }
}

TEST_CASE("parse_text_format: empty input, comments only, and values Go accepts",
          "[collectors][textfile]") {
  const auto empty = parse_text_format("");
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  const auto comments = parse_text_format("# just a comment\n\n   \n");
  REQUIRE(comments.ok());
  CHECK(comments->empty());
  const auto v = parse_text_format("a 1e3\nb +Inf\nc -0.5\n");
  REQUIRE(v.ok());
  REQUIRE(v->size() == 3);
  CHECK((*v)[0].metrics[0].value == 1000);
  CHECK((*v)[1].metrics[0].value == std::numeric_limits<double>::infinity());
  CHECK((*v)[2].metrics[0].value == -0.5);
  CHECK_FALSE((*v)[0].metrics[0].timestamp);
}

}  // namespace
}  // namespace sonde::collectors
