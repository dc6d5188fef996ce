#include "ingest/dogstatsd.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace sonde::ingest;

namespace {

struct Case {
  std::string line;
  ParseError expect;
};

ParseError parse(std::string_view line, ParsedLine& out) {
  return parse_line(line, ParseLimits{}, out);
}

}  // namespace

TEST_CASE("parser accepts DogStatsD and plain StatsD metric lines", "[ingest][parser]") {
  const std::vector<Case> good = {
      {"page.views:1|c", ParseError::ok},
      {"page.views:1|c|@0.5", ParseError::ok},
      {"page.views:1|c|#env:prod,canary", ParseError::ok},
      {"page.views:1|c|@0.1|#env:prod|T1656581400|c:abc123", ParseError::ok},
      {"fuel.level:0.5|g", ParseError::ok},
      {"fuel.level:+4|g", ParseError::ok},
      {"fuel.level:-4|g", ParseError::ok},
      {"song.length:240|h|@0.5", ParseError::ok},
      {"request:12.5|ms", ParseError::ok},
      {"size:1:2:3|d", ParseError::ok},
      {"users.uniques:1234|s", ParseError::ok},
      {"users.uniques:alice|s", ParseError::ok},
      {"x:1e3|c", ParseError::ok},
      {"x:1|c|e:it-false,cn-nginx|card:high", ParseError::ok},  // extension fields
      {"x:1|c\r", ParseError::ok},
      {"x:-1|c", ParseError::ok},  // parsed; the aggregator rejects it (negative_counter)
      {"x:1.7976931348623157e308|g", ParseError::ok},
      {"\xff\xfe:1|c|#\xc3\x28:\xa0", ParseError::ok},  // non-UTF-8 is sanitized later
      {std::string("a\0b:1|c", 7), ParseError::ok},     // embedded NUL: a byte like others
  };
  for (const auto& c : good) {
    INFO(c.line);
    ParsedLine p;
    CHECK(parse(c.line, p) == c.expect);
    CHECK(p.kind == LineKind::metric);
  }
}

TEST_CASE("parser rejects malformed and adversarial lines", "[ingest][parser]") {
  const std::vector<Case> bad = {
      {"", ParseError::empty},
      {"\r", ParseError::empty},
      {"|", ParseError::malformed},
      {"||||", ParseError::malformed},
      {":", ParseError::malformed},
      {":1|c", ParseError::malformed},
      {"x", ParseError::malformed},
      {"x:1", ParseError::malformed},
      {"x:1|", ParseError::malformed},
      {"x:|c", ParseError::malformed},
      {"x:1|q", ParseError::malformed},
      {"x:1|C", ParseError::malformed},
      {"x:1|c|", ParseError::malformed},
      {"x:1|c||#a:b", ParseError::malformed},
      {"x:abc|c", ParseError::malformed},
      {"x:NaN|g", ParseError::malformed},
      {"x:nan|g", ParseError::malformed},
      {"x:Inf|g", ParseError::malformed},
      {"x:-inf|ms", ParseError::malformed},
      {"x:1e400|c", ParseError::malformed},
      {"x:0x10|c", ParseError::malformed},
      {"x:1::2|c", ParseError::malformed},
      {"x:1:|c", ParseError::malformed},
      {"x:++1|g", ParseError::malformed},
      {"x:+-1|g", ParseError::malformed},
      {"x: 1|c", ParseError::malformed},
      {"x:1|c|@0", ParseError::malformed},
      {"x:1|c|@-1", ParseError::malformed},
      {"x:1|c|@2", ParseError::malformed},
      {"x:1|c|@abc", ParseError::malformed},
      {"x:1|c|@0.5|@0.5", ParseError::malformed},
      {"x:1|c|#a|#b", ParseError::malformed},
      {"x|c:1", ParseError::malformed},
      {std::string("x:1\0|c", 6), ParseError::malformed},
      {"x:" + std::string(400, '9') + "|c", ParseError::malformed},  // > 64 digits
  };
  for (const auto& c : bad) {
    INFO(c.line);
    ParsedLine p;
    CHECK(parse(c.line, p) == c.expect);
  }
}

TEST_CASE("parser enforces line and tag limits", "[ingest][parser]") {
  ParsedLine p;
  // A 10 MB tag list: refused by length before it is looked at.
  std::string huge = "x:1|c|#";
  huge.reserve(10u << 20);
  while (huge.size() < (10u << 20)) huge += "tag:value,";
  CHECK(parse_line(huge, ParseLimits{}, p) == ParseError::line_too_long);
  CHECK(parse_line(huge, ParseLimits{huge.size(), 1u << 30}, p) == ParseError::ok);

  std::string many = "x:1|c|#";
  for (int i = 0; i < 65; ++i) {
    many += 't';
    many += std::to_string(i);
    many += ":v,";
  }
  many.pop_back();
  CHECK(parse_line(many, ParseLimits{}, p) == ParseError::too_many_tags);
  CHECK(parse_line(many, ParseLimits{16384, 65}, p) == ParseError::ok);
  CHECK(p.metric.tag_count == 65);
}

TEST_CASE("parser fields point into the line", "[ingest][parser]") {
  ParsedLine p;
  REQUIRE(parse("api.req:1:2.5|ms|@0.25|#b:2,a:1|T123", p) == ParseError::ok);
  CHECK(p.metric.name == "api.req");
  CHECK(p.metric.values == "1:2.5");
  CHECK(p.metric.type == "ms");
  CHECK(p.metric.kind == MetricKind::timer);
  CHECK(p.metric.sample_rate == 0.25);
  CHECK(p.metric.tags == "b:2,a:1");
  CHECK(p.metric.tag_count == 2);
  std::vector<std::string> values;
  for_each_value(p.metric.values, [&](std::string_view v) { values.emplace_back(v); });
  CHECK(values == std::vector<std::string>{"1", "2.5"});
  std::vector<std::string> tags;
  for_each_tag("a:1,canary,,url:http://x", [&](std::string_view n, std::string_view v, bool has) {
    std::string t(n);
    t += '=';
    t += v;
    if (!has) t += "(none)";
    tags.push_back(t);
  });
  CHECK(tags == std::vector<std::string>{"a=1", "canary=(none)", "=(none)", "url=http://x"});
}

TEST_CASE("parser reads events", "[ingest][parser]") {
  ParsedLine p;
  REQUIRE(parse("_e{5,4}:title|text|d:1600000000|h:host|p:low|t:warning|s:app|#a:1", p) ==
          ParseError::ok);
  REQUIRE(p.kind == LineKind::event);
  CHECK(p.event.title == "title");
  CHECK(p.event.text == "text");
  CHECK(p.event.priority == "low");
  CHECK(p.event.alert_type == "warning");
  CHECK(p.event.source_type == "app");
  CHECK(p.event.tags == "a:1");
  REQUIRE(parse("_e{3,0}:a|b|", p) == ParseError::malformed);
  REQUIRE(parse("_e{3,3}:a|b|c|d", p) == ParseError::ok);  // title "a|b", text "c|d"
  CHECK(p.event.title == "a|b");
  CHECK(p.event.text == "c|d");
  CHECK(p.event.priority == "normal");
  CHECK(p.event.alert_type == "info");
  const std::vector<std::string> bad = {"_e{",
                                        "_e{1,1}:",
                                        "_e{0,1}:|x",
                                        "_e{9,1}:a|b",
                                        "_e{1,1}:ab",
                                        "_e{1,1}:a|bc",
                                        "_e{x,1}:a|b",
                                        "_e{1,1}:a|b|t:x",
                                        "_e{1,1}:a|b|p:high",
                                        "_e{99999999999,1}:a|b"};
  for (const auto& b : bad) {
    INFO(b);
    CHECK(parse(b, p) == ParseError::malformed);
  }
}

TEST_CASE("parser reads service checks", "[ingest][parser]") {
  ParsedLine p;
  REQUIRE(parse("_sc|db.up|2|d:1600000000|h:host|#env:prod|m:down | really", p) == ParseError::ok);
  REQUIRE(p.kind == LineKind::service_check);
  CHECK(p.check.name == "db.up");
  CHECK(p.check.status == 2);
  CHECK(p.check.timestamp == 1600000000.0);
  CHECK(p.check.tags == "env:prod");
  REQUIRE(parse("_sc|x|0", p) == ParseError::ok);
  CHECK(!p.check.timestamp);
  for (const std::string b :
       {"_sc|", "_sc||0", "_sc|x|4", "_sc|x|", "_sc|x|01", "_sc|x|0|", "_sc|x|0|d:abc"}) {
    INFO(b);
    CHECK(parse(b, p) == ParseError::malformed);
  }
}

TEST_CASE("parse_number is strict", "[ingest][parser]") {
  CHECK(parse_number("1") == 1.0);
  CHECK(parse_number("+1.5") == 1.5);
  CHECK(parse_number("-2") == -2.0);
  CHECK(parse_number(".5") == 0.5);
  CHECK(parse_number("1e-3") == 0.001);
  for (const char* s : {"", "+", "-", "inf", "nan", "1e999", "0x1", "1 ", " 1", "1,5", "+-1"}) {
    INFO(s);
    CHECK(!parse_number(s));
  }
}

TEST_CASE("lines split at newlines", "[ingest][parser]") {
  std::vector<std::string> lines;
  for_each_line("a:1|c\n\nb:2|c\n", [&](std::string_view l) { lines.emplace_back(l); });
  CHECK(lines == std::vector<std::string>{"a:1|c", "", "b:2|c"});
}

TEST_CASE("parser fields on the edge cases of the single pass", "[ingest][parser]") {
  ParsedLine p;
  REQUIRE(parse("x:1|c|#", p) == ParseError::ok);  // '#' with no tags
  CHECK(p.metric.tags.empty());
  CHECK(p.metric.tag_count == 0);
  REQUIRE(parse("x:1|c|#a,,b,", p) == ParseError::ok);  // empty tags count
  CHECK(p.metric.tags == "a,,b,");
  CHECK(p.metric.tag_count == 4);
  REQUIRE(parse("x:2|c|#url:http://h:80/p,k:v:w|T1656581400|c:ci-7", p) == ParseError::ok);
  CHECK(p.metric.tags == "url:http://h:80/p,k:v:w");  // ':' in values stays in the tag
  CHECK(p.metric.tag_count == 2);
  CHECK(p.metric.container == "ci-7");
  CHECK(p.metric.first_value == 2);
  CHECK(!p.metric.multi_value);
  REQUIRE(parse("x:1.5:-2|ms|@0.125|c:|c:second", p) == ParseError::ok);
  CHECK(p.metric.values == "1.5:-2");
  CHECK(p.metric.multi_value);
  CHECK(p.metric.first_value == 1.5);
  CHECK(p.metric.sample_rate == 0.125);
  CHECK(p.metric.container == "second");  // the first non-empty `|c:`
  REQUIRE(parse("x:alice:bob|s", p) == ParseError::ok);
  CHECK(p.metric.kind == MetricKind::set);
  CHECK(p.metric.first_value == 0);                       // sets have no number
  CHECK(parse("x:|c", p) == ParseError::malformed);       // |c without value
  CHECK(parse("x:1|c|@", p) == ParseError::malformed);    // a rate without a number
  CHECK(parse("x:1|c|#a|", p) == ParseError::malformed);  // a trailing '|' after the tags
  // A long line: the tags' commas counted across many 8-byte words.
  std::string tags;
  for (int i = 0; i < 64; ++i) tags += (i ? "," : "") + std::string("tag") + std::to_string(i);
  REQUIRE(parse("long.name:1|c|#" + tags + "|T1", p) == ParseError::ok);
  CHECK(p.metric.tag_count == 64);
  CHECK(p.metric.tags.size() == tags.size());
  CHECK(parse("long.name:1|c|#" + tags + ",x|T1", p) == ParseError::too_many_tags);
  // Events and service checks still go to their own parsers; `_` names to the metric one.
  CHECK((parse("_e{1,1}:a|b", p) == ParseError::ok && p.kind == LineKind::event));
  CHECK((parse("_sc|x|0", p) == ParseError::ok && p.kind == LineKind::service_check));
  CHECK((parse("_x:1|c", p) == ParseError::ok && p.kind == LineKind::metric));
}
