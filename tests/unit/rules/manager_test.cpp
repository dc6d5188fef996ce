// The rule manager and its groups on an injected clock: no real time, no thread.
#include "rules/manager.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <map>

#include "config/rule_file.hpp"
#include "core/board.hpp"
#include "core/clock.hpp"
#include "rules/promql/parser.hpp"
#include "rules/rule_file.hpp"

using namespace sonde;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;  // ms

rules::RuleFileInput file(const std::string& path, const std::string& yaml) {
  rules::RuleFileInput f;
  f.path = path;
  auto read = config::read_rule_text(yaml);
  auto check = rules::check_file(path, read, false);
  if (check.errors.empty()) {
    f.spec = read.spec;
  } else {
    f.errors = check.errors;
  }
  return f;
}

/// A board, a clock and a manager; `publish` puts a collector snapshot on the board at the
/// clock's time, `at` moves the clock and runs one manager pass.
struct Rig {
  core::FakeClock clock{std::chrono::system_clock::time_point(std::chrono::milliseconds(kStart))};
  core::Board board{clock};
  rules::Manager manager{board, clock};
  rules::ManagerSettings settings;

  Rig() {
    settings.rules.evaluation_interval = 10s;
    settings.series_labels = {{"instance", "host:9477"}, {"job", "sonde"}};
    settings.external_labels = {{"region", "eu-1"}};
    settings.external_url = "http://host:9477/";
    board.declare("src", core::ComponentKind::collector);
  }
  std::size_t load(std::vector<rules::RuleFileInput> files) {
    return manager.update(settings, files);
  }
  void publish(std::map<std::string, double> series) {
    core::SnapshotBuilder b;
    for (const auto& [name, v] : series) {
      // "name" or "name{...}": pre-rendered series text, as collectors give it.
      const auto brace = name.find('{');
      b.add_raw(name.substr(0, brace), core::MetricType::gauge, "", name, v);
    }
    board.publish("src", std::make_shared<const core::Snapshot>(b.take()), 0, core::ok());
  }
  std::int64_t now() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
        .count();
  }
  /// Advances to `ms` after the start and runs a pass.
  void at(std::int64_t ms) {
    clock.set(std::chrono::system_clock::time_point(std::chrono::milliseconds(kStart + ms)));
    manager.step(now());
  }
  /// The "rules" board source's series text -> value.
  std::map<std::string, double> output() const {
    std::map<std::string, double> out;
    for (const auto& s : board.published()) {
      if (s.name != rules::kBoardSource || !s.snapshot) continue;
      for (const auto& f : s.snapshot->families) {
        for (const auto& smp : f.samples) out[smp.series] = smp.value;
      }
    }
    return out;
  }
  const rules::Rule& rule(const std::string& group, std::size_t i) const {
    const rules::Rule* found = nullptr;
    manager.visit_groups([&](const rules::Group& g) {
      if (g.name() == group) found = &g.rules().at(i);
    });
    REQUIRE(found != nullptr);
    return *found;
  }
};

const char* kAlertFile = R"Y(groups:
- name: g
  interval: 10s
  rules:
  - alert: High
    expr: errors > 5
    for: 30s
    labels:
      severity: page
      where: "{{ $labels.instance }}"
    annotations:
      summary: "{{ $labels.job }} at {{ $value }} ({{ $externalLabels.region }}, {{ $externalURL }})"
)Y";

}  // namespace

TEST_CASE("an alert goes pending, fires after `for`, and resolves", "[rules][manager]") {
  Rig rig;
  REQUIRE(rig.load({file("/r/a.yml", kAlertFile)}) == 0);
  rig.publish({{"errors", 10}});
  // The first evaluation is at the group's first slot after the start.
  std::int64_t t = 0;
  auto state = [&] {
    const auto& r = rig.rule("g", 0);
    return r.active.empty() ? std::string("none")
                            : std::string(rules::state_name(r.active.begin()->second.state));
  };
  for (; state() == "none" && t <= 20'000; t += 1000) {
    rig.publish({{"errors", 10}});
    rig.at(t);
  }
  REQUIRE(state() == "pending");
  const auto& alert = rig.rule("g", 0).active.begin()->second;
  const std::int64_t active_at = alert.active_at_ms;
  CHECK(
      alert.labels.to_string() ==
      R"({alertname="High", instance="host:9477", job="sonde", severity="page", where="host:9477"})");
  REQUIRE(alert.annotations.size() == 1);
  CHECK(alert.annotations[0].second == "sonde at 10 (eu-1, http://host:9477/)");
  auto out = rig.output();
  CHECK(
      out.count(
          R"(ALERTS{alertname="High",alertstate="pending",instance="host:9477",job="sonde",severity="page",where="host:9477"})") ==
      1);
  CHECK(
      out[R"(ALERTS_FOR_STATE{alertname="High",instance="host:9477",job="sonde",severity="page",where="host:9477"})"] ==
      static_cast<double>(active_at / 1000));
  // Still pending just before `for` is over, firing at the first evaluation at or past it.
  for (; t < active_at - kStart + 30'000; t += 1000) {
    rig.publish({{"errors", 10}});
    rig.at(t);
  }
  CHECK(state() == "pending");
  rig.publish({{"errors", 10}});
  rig.at(t);
  CHECK(state() == "firing");
  CHECK(rig.rule("g", 0).active.begin()->second.fired_at_ms == active_at + 30'000);
  CHECK(
      rig.output().count(
          R"(ALERTS{alertname="High",alertstate="firing",instance="host:9477",job="sonde",severity="page",where="host:9477"})") ==
      1);
  // The condition ends: inactive (kept as resolved), and ALERTS disappears.
  rig.publish({{"errors", 1}});
  rig.at(t += 10'000);
  CHECK(state() == "inactive");
  CHECK(rig.rule("g", 0).active.begin()->second.resolved_at_ms != 0);
  for (const auto& [series, v] : rig.output()) CHECK(series.rfind("ALERTS", 0) != 0);
  // Kept 15 minutes as resolved, then forgotten.
  for (int i = 0; i < 100; ++i) {
    rig.publish({{"errors", 1}});
    rig.at(t += 10'000);
  }
  CHECK(state() == "none");
}

TEST_CASE("keep_firing_for keeps a firing alert firing after its condition ends",
          "[rules][manager]") {
  Rig rig;
  REQUIRE(rig.load({file("/r/k.yml", R"(groups:
- name: g
  interval: 10s
  rules:
  - alert: Flappy
    expr: errors > 5
    keep_firing_for: 30s
)")}) == 0);
  std::int64_t t = 0;
  auto& r = rig.rule("g", 0);
  for (; r.active.empty(); t += 1000) {
    rig.publish({{"errors", 10}});
    rig.at(t);
  }
  // for: 0 -> firing at the first evaluation.
  CHECK(r.active.begin()->second.state == rules::AlertState::firing);
  const std::int64_t ended = t + 10'000;
  rig.publish({{"errors", 0}});
  rig.at(ended);
  CHECK(r.active.begin()->second.state == rules::AlertState::firing);
  CHECK(r.active.begin()->second.keep_firing_since_ms != 0);
  rig.publish({{"errors", 0}});
  rig.at(ended + 20'000);
  CHECK(r.active.begin()->second.state == rules::AlertState::firing);
  rig.publish({{"errors", 0}});
  rig.at(ended + 30'000);
  CHECK(r.active.begin()->second.state == rules::AlertState::inactive);
}

TEST_CASE("later rules of a group see earlier rules' results at the same time",
          "[rules][manager]") {
  Rig rig;
  REQUIRE(rig.load({file("/r/o.yml", R"(groups:
- name: g
  interval: 10s
  rules:
  - record: job:errors:sum
    expr: sum by (job) (errors)
    labels: {source: rec}
  - alert: FromRecorded
    expr: job:errors:sum > 5
)")}) == 0);
  std::int64_t t = 0;
  for (; rig.rule("g", 1).active.empty() && t < 30'000; t += 1000) {
    rig.publish({{"errors{a=\"1\"}", 4}, {"errors{a=\"2\"}", 3}});
    rig.at(t);
  }
  // One evaluation was enough: the alert saw the recorded series written just before it.
  REQUIRE(rig.rule("g", 1).active.size() == 1);
  CHECK(rig.rule("g", 0).last_eval_ms == rig.rule("g", 1).last_eval_ms);
  // Recorded series at /metrics without global.series_labels (the scraper adds its own).
  auto out = rig.output();
  CHECK(out.count(R"(job:errors:sum{source="rec"})") == 1);
  CHECK(out[R"(job:errors:sum{source="rec"})"] == 7);
  CHECK(out.count("sonde_rule_evaluations_total{rule_group=\"/r/o.yml;g\"}") == 1);
  CHECK(out["sonde_rule_group_rules{rule_group=\"/r/o.yml;g\"}"] == 2);
}

TEST_CASE("duplicate label sets and the group limit fail the rule", "[rules][manager]") {
  Rig rig;
  REQUIRE(rig.load({file("/r/d.yml", R"(groups:
- name: dup
  interval: 10s
  rules:
  - alert: Dup
    expr: errors
    labels: {a: x}
- name: lim
  interval: 10s
  limit: 1
  rules:
  - alert: Lim
    expr: errors > 0
)")}) == 0);
  for (std::int64_t t = 0; t <= 20'000; t += 1000) {
    rig.publish({{"errors{a=\"1\"}", 4}, {"errors{a=\"2\"}", 3}});
    rig.at(t);
  }
  CHECK(rig.rule("dup", 0).health == rules::RuleHealth::err);
  CHECK(rig.rule("dup", 0).last_error ==
        "vector contains metrics with the same labelset after applying alert labels");
  CHECK(rig.rule("lim", 0).health == rules::RuleHealth::err);
  CHECK(rig.rule("lim", 0).last_error == "exceeded limit of 1 with 2 alerts");
  CHECK(rig.rule("lim", 0).active.empty());
  auto out = rig.output();
  CHECK(out["sonde_rule_evaluation_failures_total{rule_group=\"/r/d.yml;dup\"}"] >= 1);
  CHECK(out["sonde_rule_evaluation_failures_total{rule_group=\"/r/d.yml;dup\"}"] ==
        out["sonde_rule_evaluations_total{rule_group=\"/r/d.yml;dup\"}"]);
}

TEST_CASE("a group that overruns skips its missed slots and counts them", "[rules][manager]") {
  Rig rig;
  REQUIRE(rig.load({file("/r/m.yml", R"(groups:
- name: g
  interval: 10s
  rules:
  - record: x
    expr: vector(1)
)")}) == 0);
  rig.at(0);
  rig.at(10'000);
  rig.at(20'000);
  std::uint64_t before = 0;
  rig.manager.visit_groups([&](const rules::Group& g) { before = g.counters.evaluations; });
  CHECK(before >= 1);
  rig.at(75'000);  // five slots late: one evaluation, the others counted missed
  rig.manager.visit_groups([&](const rules::Group& g) {
    CHECK(g.counters.evaluations == before + 1);
    CHECK(g.counters.iterations_missed >= 4);
  });
}

TEST_CASE("a reload carries alert state; a broken file keeps its old groups", "[rules][manager]") {
  Rig rig;
  REQUIRE(rig.load({file("/r/a.yml", kAlertFile)}) == 0);
  std::int64_t t = 0;
  for (; rig.rule("g", 0).active.empty(); t += 1000) {
    rig.publish({{"errors", 10}});
    rig.at(t);
  }
  const std::int64_t active_at = rig.rule("g", 0).active.begin()->second.active_at_ms;

  SECTION("unchanged: the same group keeps running") {
    REQUIRE(rig.load({file("/r/a.yml", kAlertFile)}) == 0);
    CHECK(rig.rule("g", 0).active.begin()->second.active_at_ms == active_at);
  }
  SECTION("changed group (a new rule): CopyState carries the alert") {
    std::string changed = kAlertFile;
    changed += "  - record: extra\n    expr: vector(1)\n";
    REQUIRE(rig.load({file("/r/a.yml", changed)}) == 0);
    CHECK(rig.rule("g", 0).active.begin()->second.active_at_ms == active_at);
    CHECK(rig.rule("g", 1).name() == "extra");
  }
  SECTION("broken file: old groups keep running, the failure is counted") {
    const auto broken =
        file("/r/a.yml", "groups:\n- name: g\n  rules:\n  - alert: X\n    expr: (\n");
    REQUIRE_FALSE(broken.errors.empty());
    CHECK(rig.load({broken}) == 1);
    CHECK(rig.manager.load_failures() == 1);
    CHECK(rig.manager.group_count() == 1);
    CHECK(rig.rule("g", 0).active.begin()->second.active_at_ms == active_at);
    rig.publish({{"errors", 10}});
    rig.at(t + 60'000);
    CHECK(rig.rule("g", 0).active.begin()->second.state == rules::AlertState::firing);
    CHECK(rig.output()["sonde_rule_group_load_failures_total"] == 1);
  }
  SECTION("file gone: its groups stop and ALERTS leaves /metrics") {
    REQUIRE(rig.load({}) == 0);
    CHECK(rig.manager.group_count() == 0);
    rig.at(t + 10'000);
    for (const auto& [series, v] : rig.output()) CHECK(series.rfind("ALERTS", 0) != 0);
  }
}

TEST_CASE("the history keeps only what the rules select, as far back as they look",
          "[rules][manager]") {
  Rig rig;
  REQUIRE(rig.load({file("/r/h.yml", R"(groups:
- name: g
  interval: 10s
  rules:
  - record: r
    expr: rate(errors[10m])
)")}) == 0);
  for (std::int64_t t = 0; t <= 30 * 60'000; t += 10'000) {
    rig.publish({{"errors", static_cast<double>(t)}, {"unrelated", 1}});
    rig.at(t);
  }
  const auto st = rig.manager.history_stats();
  // errors; `up` and the rest are not selected.
  CHECK(st.series == 1);
  // 10 minutes + one interval of 10 s samples, plus at most one chunk of slack.
  CHECK(st.samples >= 61);
  CHECK(st.samples <= 61 + rules::history::kChunkSamples);
  CHECK(rig.output()["r"] == Approx(1000.0));  // errors grows by 10'000 every 10 s
}

TEST_CASE("how far back rules look: ranges, offsets, subqueries and the lookback",
          "[rules][manager]") {
  auto needs = [](const char* q) {
    auto e = rules::promql::parse(q);
    REQUIRE(e.ok());
    rules::RuleNeeds n;
    rules::add_needs(**e, n);
    return n;
  };
  CHECK(needs("up").lookback_ms == 5 * 60'000);
  CHECK(needs("rate(x[10m])").lookback_ms == 10 * 60'000);
  CHECK(needs("rate(x[10m] offset 1h)").lookback_ms == 70 * 60'000);
  CHECK(needs("x offset 2m").lookback_ms == 7 * 60'000);
  // A subquery looks back its range, then its inner expression's own reach from there.
  CHECK(needs("max_over_time(rate(x[5m])[30m:1m])").lookback_ms == 35 * 60'000);
  const auto n = needs(R"(a{job="j"} / on() group_left sum(b) and vector(1))");
  REQUIRE(n.selectors.size() == 2);
  CHECK(n.selectors[0].size() == 2);  // __name__ and job
}

TEST_CASE("alerts go to the sink as Prometheus sends them: firing resent, resolved for 15 min",
          "[rules][manager][notify]") {
  Rig rig;
  rig.settings.rules.notify.resend_delay = 30s;
  struct Sent {
    std::int64_t at;
    rules::notify::Notification n;
  };
  std::vector<Sent> sent;
  rig.manager.set_alert_sink([&](std::vector<rules::notify::Notification> alerts) {
    for (auto& a : alerts) sent.push_back({rig.now(), std::move(a)});
  });
  REQUIRE(rig.load({file("/r/a.yml", kAlertFile)}) == 0);
  auto& r = rig.rule("g", 0);
  std::int64_t t = 0;
  // Pending for 30 s: nothing is sent.
  for (; r.active.empty() || r.active.begin()->second.state != rules::AlertState::firing;
       t += 1000) {
    CHECK(sent.empty());
    rig.publish({{"errors", 10}});
    rig.at(t);
  }
  const auto& alert = r.active.begin()->second;
  const std::int64_t fired = alert.fired_at_ms;
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].n.starts_at_ms == fired);
  // endsAt = now + 4 x max(interval 10 s, resend delay 30 s).
  CHECK(sent[0].n.ends_at_ms == fired + 120'000);
  CHECK(sent[0].n.labels.get("alertname") == "High");
  CHECK(sent[0].n.labels.get("severity") == "page");
  REQUIRE(sent[0].n.annotations.size() == 1);
  CHECK(sent[0].n.annotations[0].first == "summary");
  CHECK(sent[0].n.generator_url == "http://host:9477/graph?g0.expr=errors+%3E+5&g0.tab=1");
  // Resent once the resend delay has passed (at the first evaluation strictly after it).
  for (; t < fired - kStart + 45'000; t += 1000) {
    rig.publish({{"errors", 10}});
    rig.at(t);
  }
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].n.starts_at_ms == fired);
  CHECK(sent[1].n.ends_at_ms <= sent[1].at + 120'000);
  CHECK(sent[1].n.ends_at_ms > sent[1].at + 119'000);
  CHECK(sent[1].n.ends_at_ms > sent[0].n.ends_at_ms);
  CHECK(sent[1].at - sent[0].at > 30'000);
  CHECK(sent[1].at - sent[0].at <= 40'000);
  // Resolved: sent at once, with endsAt the resolve time.
  const std::size_t before = sent.size();
  for (; r.active.begin()->second.state != rules::AlertState::inactive; t += 1000) {
    rig.publish({{"errors", 0}});
    rig.at(t);
  }
  const std::int64_t resolved = r.active.begin()->second.resolved_at_ms;
  REQUIRE(sent.size() == before + 1);
  CHECK(sent.back().n.ends_at_ms == resolved);
  CHECK(sent.back().n.starts_at_ms == fired);
  // Then again every resend delay, for the 15 minutes a resolved alert is kept, and no more.
  for (; t < resolved - kStart + 20 * 60'000; t += 5000) {
    rig.publish({{"errors", 0}});
    rig.at(t);
  }
  CHECK(r.active.empty());
  const std::size_t resolved_sends = sent.size() - before;
  CHECK(resolved_sends >= 15 * 60 / 40);
  CHECK(resolved_sends <= 15 * 60 / 30 + 1);
  for (std::size_t i = before; i < sent.size(); ++i) CHECK(sent[i].n.ends_at_ms == resolved);
  CHECK(sent.back().at - resolved <= 15 * 60'000);
}
