#include "core/relabel.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using sonde::core::LabelSet;
using sonde::core::Regex;
using sonde::core::relabel;
using sonde::core::RelabelAction;
using sonde::core::RelabelConfig;
using A = RelabelAction;

namespace {

Regex re(const std::string& pattern) {
  auto r = Regex::compile(pattern);
  REQUIRE(r.ok());
  return *r;
}

struct Cfg {
  std::vector<std::string> source_labels;
  std::string regex;  // empty: unset (the default "(.*)")
  std::string target_label;
  std::string replacement = "$1";
  A action = A::replace;
  std::uint64_t modulus = 0;
  std::string separator = ";";

  RelabelConfig build() const {
    RelabelConfig c;
    c.source_labels = source_labels;
    if (!regex.empty()) c.regex = re(regex);
    c.target_label = target_label;
    c.replacement = replacement;
    c.action = action;
    c.modulus = modulus;
    c.separator = separator;
    return c;
  }
};

struct Case {
  LabelSet input;
  std::vector<Cfg> configs;
  LabelSet output;
  bool drop = false;
};

}  // namespace

// The cases of Prometheus's TestRelabel (model/relabel/relabel_test.go), in its order.
TEST_CASE("relabel: Prometheus's TestRelabel cases", "[core][relabel]") {
  const std::vector<Case> cases = {
      {{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
       {{{"a"}, "f(.*)", "d", "ch${1}-ch${1}"}},
       {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "choo-choo"}}},
      {{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
       {{{"a", "b"}, "f(.*);(.*)r", "a", "b${1}${2}m"},
        {{"c", "a"}, "(b).*b(.*)ba(.*)", "d", "$1$2$2$3"}},
       {{"a", "boobam"}, {"b", "bar"}, {"c", "baz"}, {"d", "boooom"}}},
      {{{"a", "foo"}},
       {{{"a"}, ".*o.*", "", "$1", A::drop}, {{"a"}, "f(.*)", "d", "ch$1-ch$1"}},
       {},
       true},
      {{{"a", "foo"}, {"b", "bar"}}, {{{"a"}, ".*o.*", "", "$1", A::drop}}, {}, true},
      {{{"a", "abc"}}, {{{"a"}, ".*(b).*", "d", "$1"}}, {{"a", "abc"}, {"d", "b"}}},
      {{{"a", "foo"}}, {{{"a"}, "no-match", "", "$1", A::drop}}, {{"a", "foo"}}},
      {{{"a", "foo"}}, {{{"a"}, "f|o", "", "$1", A::drop}}, {{"a", "foo"}}},
      {{{"a", "foo"}}, {{{"a"}, "no-match", "", "$1", A::keep}}, {}, true},
      {{{"a", "foo"}}, {{{"a"}, "f.*", "", "$1", A::keep}}, {{"a", "foo"}}},
      // No replacement must be applied if there is no match.
      {{{"a", "boo"}}, {{{"a"}, "f", "b", "bar"}}, {{"a", "boo"}}},
      {{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
       {{{"c"}, "", "d", "$1", A::hashmod, 1000}},
       {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "976"}}},
      {{{"a", "foo\nbar"}},
       {{{"a"}, "", "b", "$1", A::hashmod, 1000}},
       {{"a", "foo\nbar"}, {"b", "734"}}},
      {{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}},
       {{{}, "(b.*)", "", "bar_${1}", A::labelmap}},
       {{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}, {"bar_b1", "bar"}, {"bar_b2", "baz"}}},
      {{{"a", "foo"}, {"__meta_my_bar", "aaa"}, {"__meta_my_baz", "bbb"}, {"__meta_other", "ccc"}},
       {{{}, "__meta_(my.*)", "", "${1}", A::labelmap}},
       {{"a", "foo"},
        {"__meta_my_bar", "aaa"},
        {"__meta_my_baz", "bbb"},
        {"__meta_other", "ccc"},
        {"my_bar", "aaa"},
        {"my_baz", "bbb"}}},
      // valid case
      {{{"a", "some-name-value"}},
       {{{"a"}, "some-([^-]+)-([^,]+)", "${1}", "${2}"}},
       {{"a", "some-name-value"}, {"name", "value"}}},
      // invalid replacement ""
      {{{"a", "some-name-value"}},
       {{{"a"}, "some-([^-]+)-([^,]+)", "${1}", "${3}"}},
       {{"a", "some-name-value"}}},
      // invalid target_labels
      {{{"a", "some-name-0"}},
       {{{"a"}, "some-([^-]+)-([^,]+)", "${3}", "${1}"},
        {{"a"}, "some-([^-]+)-([^,]+)", "${3}", "${1}"},
        {{"a"}, "some-([^-]+)(-[^,]+)", "${3}", "${1}"}},
       {{"a", "some-name-0"}}},
      // more complex real-life like usecase
      {{{"__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"}},
       {{{"__meta_sd_tags"}, "(?:.+,|^)path:(/[^,]+).*", "__metrics_path__", "${1}"},
        {{"__meta_sd_tags"}, "(?:.+,|^)job:([^,]+).*", "job", "${1}"},
        {{"__meta_sd_tags"}, "(?:.+,|^)label:([^=]+)=([^,]+).*", "${1}", "${2}"}},
       {{"__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"},
        {"__metrics_path__", "/secret"},
        {"job", "some-job"},
        {"foo", "bar"}}},
      // From https://github.com/prometheus/prometheus/issues/12283
      {{{"__meta_kubernetes_pod_container_port_name", "foo"},
        {"__meta_kubernetes_pod_annotation_XXX_metrics_port", "9091"}},
       {{{}, "^__meta_kubernetes_pod_container_port_name$", "", "$1", A::labeldrop},
        {{"__meta_kubernetes_pod_annotation_XXX_metrics_port"},
         "(.+)",
         "__meta_kubernetes_pod_container_port_name",
         "metrics"},
        {{"__meta_kubernetes_pod_container_port_name"}, "^metrics$", "", "$1", A::keep}},
       {{"__meta_kubernetes_pod_annotation_XXX_metrics_port", "9091"},
        {"__meta_kubernetes_pod_container_port_name", "metrics"}}},
      {{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}},
       {{{}, "(b.*)", "", "$1", A::labelkeep}},
       {{"b1", "bar"}, {"b2", "baz"}}},
      {{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}},
       {{{}, "(b.*)", "", "$1", A::labeldrop}},
       {{"a", "foo"}}},
      {{{"foo", "bAr123Foo"}},
       {{{"foo"}, "", "foo_uppercase", "$1", A::uppercase},
        {{"foo"}, "", "foo_lowercase", "$1", A::lowercase}},
       {{"foo", "bAr123Foo"}, {"foo_lowercase", "bar123foo"}, {"foo_uppercase", "BAR123FOO"}}},
      {{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
       {{{"__tmp_port"}, "", "__port1", "$1", A::keepequal}},
       {{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}}},
      {{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
       {{{"__tmp_port"}, "", "__port1", "$1", A::dropequal}},
       {},
       true},
      {{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
       {{{"__tmp_port"}, "", "__port2", "$1", A::dropequal}},
       {{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}}},
      {{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
       {{{"__tmp_port"}, "", "__port2", "$1", A::keepequal}},
       {},
       true},
  };
  int index = 0;
  for (const Case& c : cases) {
    INFO("case " << index++);
    std::vector<RelabelConfig> configs;
    for (const Cfg& cfg : c.configs) {
      configs.push_back(cfg.build());
      const auto st = sonde::core::validate(configs.back());
      INFO((st.ok() ? "" : st.message()));
      REQUIRE(st.ok());
    }
    const auto out = relabel(c.input, configs);
    REQUIRE(out.has_value() == !c.drop);
    if (out) CHECK(*out == c.output);
  }
}

TEST_CASE("relabel: replace details of 2.42", "[core][relabel]") {
  const auto run = [](LabelSet in, Cfg cfg) {
    auto out = relabel(std::move(in), {cfg.build()});
    REQUIRE(out);
    return *out;
  };
  // Defaults: regex (.*), replacement $1, separator ";" (a missing source label is "").
  CHECK(run({{"a", "x"}}, {{"a", "missing", "a"}, "", "t"}) == LabelSet{{"a", "x"}, {"t", "x;;x"}});
  // An empty result deletes the target label.
  CHECK(run({{"a", "x"}, {"t", "old"}}, {{"nope"}, "", "t"}) == LabelSet{{"a", "x"}});
  // A static replacement with the default regex sets the label whatever the source.
  CHECK(run({}, {{}, "", "env", "prod"}) == LabelSet{{"env", "prod"}});
  // 2.42 deletes the label named by target_label as written when the expansion is invalid.
  CHECK(run({{"a", "x-1"}, {"${2}", "kept?"}}, {{"a"}, "(.*)-(.*)", "${2}", "v"}) ==
        LabelSet{{"a", "x-1"}});
  // ... and so does an empty result: the expanded target "b" keeps its value.
  CHECK(run({{"a", "b-"}, {"b", "old"}}, {{"a"}, "(.*)-(.*)", "${1}", "${2}"}) ==
        LabelSet{{"a", "b-"}, {"b", "old"}});
  // Named groups, $$, and a malformed reference kept as text.
  CHECK(run({{"a", "k=v"}}, {{"a"}, "(?P<key>[a-z]+)=(?P<val>[a-z]+)", "$key", "${val}$$-$-${"}) ==
        LabelSet{{"a", "k=v"}, {"k", "v$-$-${"}});
  // "$1x" names the group "1x", which does not exist: empty, as in Go.
  CHECK(run({{"a", "foo"}}, {{"a"}, "(f)oo", "t", "$1x|${1}x"}) ==
        LabelSet{{"a", "foo"}, {"t", "|fx"}});
  // The regex is anchored: a partial match is no match.
  CHECK(run({{"a", "xfoo"}}, {{"a"}, "foo", "t", "hit"}) == LabelSet{{"a", "xfoo"}});
}

TEST_CASE("relabel: hashmod uses md5 as Prometheus does", "[core][relabel]") {
  const auto mod = [](const std::string& value, std::uint64_t m) {
    auto out = relabel({{"a", value}}, {Cfg{{"a"}, "", "h", "$1", A::hashmod, m}.build()});
    REQUIRE(out);
    return out->at("h");
  };
  CHECK(mod("baz", 1000) == "976");
  CHECK(mod("foo\nbar", 1000) == "734");
  CHECK(mod("baz", 1) == "0");
}

TEST_CASE("relabel: Prometheus's TestRelabelValidate messages", "[core][relabel]") {
  struct V {
    Cfg cfg;
    const char* error;  // empty: valid
  };
  const V cases[] = {
      {{{}, "", "", "$1", A::replace},
       "relabel configuration for replace action requires "
       "'target_label' value"},
      {{{}, "", "", "$1", A::lowercase},
       "relabel configuration for lowercase action requires "
       "'target_label' value"},
      {{{}, "", "${3}", "$1", A::lowercase},
       "\"${3}\" is invalid 'target_label' for lowercase "
       "action"},
      {{{"a"}, "some-([^-]+)-([^,]+)", "${3}", "${1}", A::replace}, ""},
      {{{"a"}, "some-([^-]+)-([^,]+)", "0${3}", "${1}", A::replace},
       "\"0${3}\" is invalid 'target_label' for replace action"},
      {{{"a"}, "some-([^-]+)-([^,]+)", "-${3}", "${1}", A::replace},
       "\"-${3}\" is invalid 'target_label' for replace action"},
      {{{"a"}, "", "t", "$1", A::hashmod, 0},
       "relabel configuration for hashmod requires non-zero modulus"},
      {{{"a"}, "", "1t", "$1", A::hashmod, 2},
       "\"1t\" is invalid 'target_label' for hashmod action"},
      {{{"a"}, "", "t", "x", A::uppercase}, "'replacement' can not be set for uppercase action"},
      {{{}, "(.*)", "", "-$1", A::labelmap},
       "\"-$1\" is invalid 'replacement' for labelmap action"},
      {{{"a"}, "(.*)", "t", "$1", A::keepequal},
       "keepequal action requires only 'source_labels' and `target_label`, and no other fields"},
      {{{"a"}, "", "t", "$1", A::dropequal, 0, ","},
       "dropequal action requires only 'source_labels' and `target_label`, and no other fields"},
      {{{"a"}, "x", "", "$1", A::labeldrop},
       "labeldrop action requires only 'regex', and no other fields"},
      {{{}, "x", "t", "$1", A::labelkeep},
       "labelkeep action requires only 'regex', and no other fields"},
      {{{}, "x", "", "$1", A::labelkeep}, ""},
      {{{"a"}, "", "t", "$1", A::keepequal}, ""},
  };
  for (const V& v : cases) {
    const auto st = sonde::core::validate(v.cfg.build());
    INFO(v.error);
    if (*v.error == '\0') {
      CHECK(st.ok());
    } else {
      REQUIRE_FALSE(st.ok());
      CHECK(st.message() == v.error);
    }
  }
}

TEST_CASE("relabel: Prometheus's TestTargetLabelValidity", "[core][relabel]") {
  const std::pair<const char*, bool> cases[] = {
      {"-label", false}, {"label", true},        {"label${1}", true}, {"${1}label", true},
      {"${1}", true},    {"${", false},          {"$", false},        {"${}", false},
      {"foo${", false},  {"$1", true},           {"asd$2asd", true},  {"-foo${1}bar-", false},
      {"_${1}_", true},  {"foo${bar}foo", true},
  };
  for (const auto& [text, valid] : cases) {
    INFO(text);
    Cfg cfg{{"a"}, "", text, "$1", A::replace};
    CHECK(sonde::core::validate(cfg.build()).ok() == valid);
  }
}

TEST_CASE("relabel: action names", "[core][relabel]") {
  for (const char* name : {"replace", "keep", "drop", "keepequal", "dropequal", "hashmod",
                           "labelmap", "labeldrop", "labelkeep", "lowercase", "uppercase"}) {
    auto a = sonde::core::parse_relabel_action(name);
    REQUIRE(a.ok());
    CHECK(sonde::core::to_string(*a) == name);
  }
  CHECK(*sonde::core::parse_relabel_action("LabelMap") == A::labelmap);
  const auto bad = sonde::core::parse_relabel_action("copy");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.message() == "unknown relabel action \"copy\"");
}
