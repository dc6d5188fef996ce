// Rule groups (group.cpp) without the manager: slots, rule compilation, evaluation order,
// recording rules' output, an alert's steps through `for` and keep_firing_for, the group limit,
// staleness markers, and what a group needs from the history.
#include "rules/group.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

using namespace sonde;

namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;  // ms

}  // namespace

TEST_CASE("group slots: an offset from the group's hash plus multiples of its interval",
          "[rules][manager]") {
  rules::Group g("f.yml", "g", 15'000, 0, {});
  const std::int64_t t = g.eval_timestamp(kStart);
  CHECK(t <= kStart);
  CHECK(kStart - t < 15'000);
  CHECK(g.eval_timestamp(kStart + 15'000) == t + 15'000);
  CHECK(g.eval_timestamp(t) == t);
  CHECK(g.eval_timestamp(t - 1) == t - 15'000);
  // Another group of the same name in another file gets its own offset.
  rules::Group h("other.yml", "g", 15'000, 0, {});
  CHECK(h.eval_timestamp(kStart) != t);
}

namespace {

rules::RuleSpec spec(std::string record_or_alert, std::string expr, bool alert = false,
                     std::chrono::milliseconds for_ = {}, std::chrono::milliseconds keep = {}) {
  rules::RuleSpec s;
  (alert ? s.alert : s.record).value = std::move(record_or_alert);
  s.expr.value = std::move(expr);
  s.for_duration = for_;
  s.keep_firing_for = keep;
  return s;
}

rules::Rule compile(const rules::RuleSpec& s) {
  auto r = rules::Rule::compile(s);
  if (!r.ok()) FAIL(r.error().message);
  return std::move(*r);
}

/// A group over a history whose selectors are what the group's rules need; `input` writes the
/// series the rules read.
struct Rig {
  rules::history::History history{1000};
  rules::promql::Engine engine;
  rules::EvalContext ctx;
  rules::Group group;
  std::vector<std::string> failures;

  Rig(std::vector<rules::Rule> rules, std::int64_t limit = 0)
      : group("f.yml", "g", 10'000, limit, std::move(rules)) {
    rules::RuleNeeds needs;
    for (const auto& r : group.rules()) add_needs(r.expr(), needs);
    history.set_retention(needs.lookback_ms + 10'000);
    history.set_selectors(std::move(needs.selectors), std::move(needs.reach_ms));
    ctx.history = &history;
    ctx.engine = &engine;
  }
  void input(const char* name, std::int64_t t, double v, const char* instance = "a") {
    REQUIRE(
        history.append(rules::promql::Labels({{"__name__", name}, {"instance", instance}}), t, v));
  }
  /// Evaluates at `t`; the output of rule `i` as "labels value" lines.
  std::vector<std::string> eval(std::int64_t t, std::size_t i = 0) {
    group.eval(t, ctx, [&](const rules::Rule& r, const std::string& e) {
      failures.push_back(r.name() + ": " + e);
    });
    std::vector<std::string> out;
    for (const auto& s : group.last_output().at(i)) {
      out.push_back(s.metric.to_string() + " " + std::to_string(s.point.v));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

}  // namespace

TEST_CASE("group: a recording rule writes its series, renamed, at the evaluation time",
          "[rules][group]") {
  std::vector<rules::Rule> rs;
  auto rec = spec("job:x:sum", "sum without (instance) (x)");
  rec.labels = {{{"team", {}}, {"db", {}}}};
  rs.push_back(compile(rec));
  Rig rig(std::move(rs));
  rig.input("x", kStart, 2, "a");
  rig.input("x", kStart, 3, "b");
  CHECK(rig.eval(kStart) ==
        std::vector<std::string>{"{__name__=\"job:x:sum\", team=\"db\"} 5.000000"});
  const auto& rule = rig.group.rules()[0];
  CHECK(rule.health == rules::RuleHealth::ok);
  CHECK(rule.last_eval_ms == kStart);
  CHECK(std::string(rules::health_name(rule.health)) == "ok");
  CHECK(rig.failures.empty());
}

TEST_CASE("group: later rules see earlier rules' output at the same timestamp", "[rules][group]") {
  std::vector<rules::Rule> rs;
  rs.push_back(compile(spec("step1", "x * 2")));
  rs.push_back(compile(spec("step2", "step1 + 1")));
  Rig rig(std::move(rs));
  rig.input("x", kStart, 10);
  rig.eval(kStart);
  CHECK(rig.group.last_output().at(1).size() == 1);
  CHECK(rig.group.last_output().at(1)[0].point.v == 21);
}

TEST_CASE("group: an alert steps pending, firing, inactive with `for`", "[rules][group]") {
  std::vector<rules::Rule> rs;
  rs.push_back(compile(spec("High", "x > 5", true, std::chrono::seconds(20))));
  Rig rig(std::move(rs));
  auto at = [&](int s, double v) {
    rig.input("x", kStart + s * 1000, v);
    return rig.eval(kStart + s * 1000);
  };
  CHECK(at(0, 10) == std::vector<std::string>{
                         "{__name__=\"ALERTS\", alertname=\"High\", alertstate=\"pending\", "
                         "instance=\"a\"} 1.000000",
                         "{__name__=\"ALERTS_FOR_STATE\", alertname=\"High\", instance=\"a\"} "
                         "1700000000.000000"});
  const auto& rule = rig.group.rules()[0];
  REQUIRE(rule.active.size() == 1);
  const rules::Alert& alert = rule.active.begin()->second;
  CHECK(alert.state == rules::AlertState::pending);
  CHECK(alert.active_at_ms == kStart);
  CHECK(alert.value == 10);
  at(10, 11);
  CHECK(rule.active.begin()->second.state == rules::AlertState::pending);
  at(20, 12);  // 20 s after it became active: firing
  CHECK(rule.active.begin()->second.state == rules::AlertState::firing);
  CHECK(rule.active.begin()->second.fired_at_ms == kStart + 20'000);
  CHECK(std::string(rules::state_name(rule.active.begin()->second.state)) == "firing");
  const auto resolved = at(30, 1);
  CHECK(resolved.empty());           // no ALERTS sample for a resolved alert
  REQUIRE(rule.active.size() == 1);  // kept, resolved, to be sent as resolved
  CHECK(rule.active.begin()->second.state == rules::AlertState::inactive);
  CHECK(rule.active.begin()->second.resolved_at_ms == kStart + 30'000);
  // Pending alerts that stop matching are dropped at once.
  at(40, 10);
  at(50, 1);
  for (const auto& [h, a] : rule.active) CHECK(a.state == rules::AlertState::inactive);
}

TEST_CASE("group: keep_firing_for holds a firing alert after its condition ends",
          "[rules][group]") {
  std::vector<rules::Rule> rs;
  rs.push_back(compile(spec("K", "x > 5", true, {}, std::chrono::seconds(15))));
  Rig rig(std::move(rs));
  auto at = [&](int s, double v) {
    rig.input("x", kStart + s * 1000, v);
    rig.eval(kStart + s * 1000);
    return rig.group.rules()[0].active.begin()->second;
  };
  CHECK(at(0, 10).state == rules::AlertState::firing);  // no `for`: firing at once
  const auto held = at(10, 1);
  CHECK(held.state == rules::AlertState::firing);
  CHECK(held.keep_firing_since_ms == kStart + 10'000);
  CHECK(at(20, 1).state == rules::AlertState::firing);    // 10 s of 15
  CHECK(at(30, 1).state == rules::AlertState::inactive);  // 20 s: resolved
}

TEST_CASE("group: the limit fails a rule with more alerts, Prometheus's message",
          "[rules][group]") {
  std::vector<rules::Rule> rs;
  rs.push_back(compile(spec("Many", "x > 0", true)));
  Rig rig(std::move(rs), 1);
  rig.input("x", kStart, 1, "a");
  rig.input("x", kStart, 1, "b");
  CHECK(rig.eval(kStart).empty());
  const auto& rule = rig.group.rules()[0];
  CHECK(rule.health == rules::RuleHealth::err);
  CHECK(rule.last_error == "exceeded limit of 1 with 2 alerts");
  CHECK(rig.failures == std::vector<std::string>{"Many: exceeded limit of 1 with 2 alerts"});
  CHECK(rig.group.counters.failures == 1);
  CHECK(rig.group.counters.evaluations == 1);
}

TEST_CASE("group: equality, identity and definitions", "[rules][group]") {
  auto make = [](std::int64_t interval, const char* expr) {
    std::vector<rules::Rule> rs;
    rs.push_back(compile(spec("r", expr)));
    return rules::Group("f.yml", "g", interval, 0, std::move(rs));
  };
  CHECK(make(10'000, "x").equals(make(10'000, "x")));
  CHECK_FALSE(make(10'000, "x").equals(make(20'000, "x")));
  CHECK_FALSE(make(10'000, "x").equals(make(10'000, "y")));
  CHECK(make(10'000, "x").key() == "f.yml;g");
  const auto r = compile(spec("A", "sum(x)>1", true, std::chrono::minutes(5)));
  CHECK(r.alerting());
  CHECK(r.query() == "sum(x) > 1");
  CHECK(r.for_ms() == 300'000);
  CHECK(r.identity() != compile(spec("B", "sum(x)>1", true)).identity());
  CHECK(r.definition() != compile(spec("A", "sum(x)>1", true)).definition());  // `for` differs
  CHECK_FALSE(rules::Rule::compile(spec("r", "sum(")).ok());
}

TEST_CASE("group: how far back its rules look", "[rules][group]") {
  auto needs = [](const char* q) {
    rules::RuleNeeds n;
    add_needs(compile(spec("r", q)).expr(), n);
    return n;
  };
  CHECK(needs("x").lookback_ms == 300'000);  // the 5-minute lookback
  CHECK(needs("rate(x[10m])").lookback_ms == 600'000);
  CHECK(needs("x offset 1h").lookback_ms == 3'600'000 + 300'000);
  CHECK(needs("max_over_time(rate(x[1m])[30m:1m])").lookback_ms == 1'800'000 + 60'000);
  const auto two = needs("a / b{c=\"d\"}");
  REQUIRE(two.selectors.size() == 2);
  CHECK(two.reach_ms.size() == 2);
}
