#include "rules/unit_test.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "core/duration.hpp"
#include "core/quote.hpp"
#include "rules/group.hpp"
#include "rules/history/history.hpp"
#include "rules/promql/engine.hpp"
#include "rules/promql/parser.hpp"
#include "rules/template/format.hpp"

namespace sonde::rules {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// promtool's engine for the tests (promql.LazyLoader): 10,000 samples, a 100 s timeout.
constexpr std::size_t kMaxSamples = 10'000;
constexpr std::int64_t kTimeoutMs = 100'000;
// The evaluation interval when the file sets none.
constexpr std::int64_t kDefaultEvaluationIntervalMs = 60'000;

std::string model_duration(std::int64_t ms) { return core::format_duration(core::Millis(ms)); }

std::string go_quote(std::string_view s) { return core::quote(s, std::string_view::npos); }

// labels.Labels.String(): `{a="1", b="2"}`.
std::string pairs_string(const Pairs& p) {
  std::string s = "{";
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i > 0) s += ", ";
    s += p[i].first + "=" + tmpl::gofmt::quote(p[i].second);
  }
  return s + "}";
}

// labels.Compare.
int compare(const Pairs& a, const Pairs& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i].first != b[i].first) return a[i].first < b[i].first ? -1 : 1;
    if (a[i].second != b[i].second) return a[i].second < b[i].second ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

// labels.FromMap: sorted by name (a map has each name once).
Pairs from_map(Pairs p) {
  std::sort(p.begin(), p.end());
  return p;
}

Pairs from_labels(const promql::Labels& l) {
  Pairs p;
  for (const auto& x : l) p.emplace_back(x.name, x.value);
  return p;
}

struct LabelsAndAnnotations {
  Pairs labels;
  Pairs annotations;
};

bool operator==(const LabelsAndAnnotations& a, const LabelsAndAnnotations& b) {
  return a.labels == b.labels && a.annotations == b.annotations;
}

void sort_alerts(std::vector<LabelsAndAnnotations>& v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    const int d = compare(a.labels, b.labels);
    if (d != 0) return d < 0;
    return compare(a.annotations, b.annotations) < 0;
  });
}

// promtool's indentLines: every line but the first gets `indent`.
std::string indent_lines(std::string_view lines, std::string_view indent) {
  std::string out;
  std::size_t start = 0;
  bool first = true;
  while (true) {
    const auto nl = lines.find('\n', start);
    if (!first) out += indent;
    first = false;
    out += lines.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (nl == std::string_view::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

std::string alert_string(const LabelsAndAnnotations& a) {
  return "Labels:" + pairs_string(a.labels) + "\nAnnotations:" + pairs_string(a.annotations);
}

// labelsAndAnnotations.String().
std::string alerts_string(const std::vector<LabelsAndAnnotations>& v) {
  if (v.empty()) return "[]";
  std::string s = "[\n0:" + indent_lines("\n" + alert_string(v[0]), "  ");
  for (std::size_t i = 1; i < v.size(); ++i) {
    s += ",\n" + std::to_string(i) + ":" + indent_lines("\n" + alert_string(v[i]), "  ");
  }
  return s + "\n]";
}

struct ParsedSample {
  Pairs labels;
  double value = 0;
};

// parsedSamplesString: `{__name__="x"} 1E+00, ...` or "nil".
std::string samples_string(const std::vector<ParsedSample>& v) {
  if (v.empty()) return "nil";
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) s += ", ";
    s += pairs_string(v[i].labels) + " " + tmpl::gofmt::format_float(v[i].value, 'E', -1);
  }
  return s;
}

// reflect.DeepEqual of the sorted samples: labels equal, values == (NaN never equals).
bool samples_equal(const std::vector<ParsedSample>& a, const std::vector<ParsedSample>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].labels != b[i].labels || !(a[i].value == b[i].value)) return false;
  }
  return true;
}

void sort_samples(std::vector<ParsedSample>& v) {
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return compare(a.labels, b.labels) < 0; });
}

// The input series as promtool's LazyLoader holds them: each series' samples (the omitted
// values skipped) at multiples of the interval, a series given twice keeping its last values.
struct InputSeries {
  promql::Labels labels;
  std::vector<promql::Point> points;
  std::size_t next = 0;  // the first sample not yet appended
};

// promtool writes the input series into a `load` command ("load 1m\n  SERIES VALUES\n...") and
// parses it line by line: comment lines and an empty line end the series.
core::Result<std::vector<InputSeries>> load_series(const UnitTestGroup& tg) {
  std::string text;
  for (const auto& s : tg.input_series) text += "  " + s.series + " " + s.values + "\n";
  std::vector<InputSeries> out;
  std::map<std::string, std::size_t> index;  // by the labels' text
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    std::string_view line(text.data() + start, nl - start);
    start = nl + 1;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
      line.remove_prefix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
      line.remove_suffix(1);
    if (line.empty() || line.front() == '#') break;
    auto desc = promql::parse_series_desc(line);
    if (!desc.ok()) return core::Error{desc.error().to_string()};
    InputSeries s;
    s.labels = desc->labels;
    std::int64_t t = 0;
    for (const auto& v : desc->values) {
      if (!v.omitted) {
        // With an interval of 0 every sample is at time 0: the first one stays, as the TSDB
        // keeps it (a different value at the same time is refused).
        if (s.points.empty() || s.points.back().t != t) s.points.push_back({t, v.value});
      }
      t += tg.interval_ms;
    }
    const std::string key = s.labels.to_string();
    if (auto it = index.find(key); it != index.end()) {
      out[it->second] = std::move(s);
    } else {
      index.emplace(key, out.size());
      out.push_back(std::move(s));
    }
  }
  return out;
}

class TestGroupRun {
 public:
  TestGroupRun(const UnitTestGroup& tg, std::int64_t eval_interval_ms,
               const std::map<std::string, int>& order, const std::vector<std::string>& files,
               const RuleFileLoader& load)
      : tg_(tg),
        interval_(eval_interval_ms),
        order_(order),
        files_(files),
        load_(load),
        history_(std::numeric_limits<std::size_t>::max()) {}

  std::vector<std::string> run();

 private:
  bool load_groups(std::vector<std::string>& errs);
  bool feed(std::int64_t t);
  void check_alerts(std::int64_t eval_time, std::vector<std::string>& errs);
  void check_expr(const UnitTestExprCase& tc, std::vector<std::string>& errs);
  std::string test_name() const {
    return tg_.name.empty() ? std::string() : "    name: " + tg_.name + ",\n";
  }

  const UnitTestGroup& tg_;
  std::int64_t interval_;
  const std::map<std::string, int>& order_;
  const std::vector<std::string>& files_;
  const RuleFileLoader& load_;
  std::vector<InputSeries> input_;
  std::vector<std::unique_ptr<Group>> groups_;
  history::History history_;
  promql::Engine engine_;
  EvalContext ctx_;
};

bool TestGroupRun::load_groups(std::vector<std::string>& errs) {
  struct Loaded {
    int order;
    std::unique_ptr<Group> group;
  };
  std::vector<Loaded> loaded;
  for (const auto& path : files_) {
    std::vector<std::string> file_errors;
    auto spec = load_(path, file_errors);
    if (!spec || !file_errors.empty()) {
      if (file_errors.empty()) file_errors.push_back(path + ": cannot be loaded");
      errs = std::move(file_errors);
      return false;
    }
    for (const auto& gs : spec->groups) {
      std::vector<Rule> rules;
      for (const auto& rs : gs.rules) {
        auto r = Rule::compile(rs);
        if (!r.ok()) {
          errs = {path + ": " + r.message()};
          return false;
        }
        rules.push_back(std::move(*r));
      }
      const std::int64_t interval = gs.interval.count() > 0 ? gs.interval.count() : tg_.interval_ms;
      auto it = order_.find(gs.name.value);
      Loaded l{it == order_.end() ? 0 : it->second,
               std::make_unique<Group>(path, gs.name.value, interval, gs.limit, std::move(rules))};
      // Prometheus keeps the groups in a map by "<file>;<name>": a file named twice in
      // rule_files gives its groups once.
      auto same = std::find_if(loaded.begin(), loaded.end(),
                               [&](const Loaded& o) { return o.group->key() == l.group->key(); });
      if (same != loaded.end()) {
        *same = std::move(l);
      } else {
        loaded.push_back(std::move(l));
      }
    }
  }
  // promtool sorts the groups by their place in group_eval_order (0 for a group not in it);
  // groups of equal place run in file order here (promtool's order among them is a Go map's).
  std::stable_sort(loaded.begin(), loaded.end(),
                   [](const Loaded& a, const Loaded& b) { return a.order < b.order; });
  for (auto& l : loaded) groups_.push_back(std::move(l.group));
  return true;
}

bool TestGroupRun::feed(std::int64_t t) {
  // The TSDB refuses a sample without labels (`{} 1`): from that series' first sample on,
  // promtool's loading fails at every evaluation before it commits anything (no input sample is
  // loaded any more), and those evaluations do not run.
  for (const auto& s : input_) {
    if (s.labels.empty() && !s.points.empty() && s.points.front().t <= t) return false;
  }
  for (auto& s : input_) {
    while (s.next < s.points.size() && s.points[s.next].t <= t) {
      history_.append(s.labels, s.points[s.next].t, s.points[s.next].v);
      ++s.next;
    }
  }
  return true;
}

void TestGroupRun::check_alerts(std::int64_t eval_time, std::vector<std::string>& errs) {
  std::set<std::string> present;
  for (const auto& tc : tg_.alert_rule_test) {
    if (tc.eval_time_ms == eval_time) present.insert(tc.alertname);
  }
  std::map<std::string, std::vector<LabelsAndAnnotations>> got;
  for (const auto& g : groups_) {
    for (const auto& r : g->rules()) {
      if (!r.alerting() || present.count(r.name()) == 0) continue;
      auto& list = got[r.name()];
      for (const auto& [h, a] : r.active) {
        if (a.state != AlertState::firing) continue;
        list.push_back({from_labels(a.labels), from_map(a.annotations)});
      }
    }
  }
  for (const auto& tc : tg_.alert_rule_test) {
    if (tc.eval_time_ms != eval_time) continue;
    std::vector<LabelsAndAnnotations> got_alerts = got[tc.alertname];
    std::vector<LabelsAndAnnotations> exp_alerts;
    for (const auto& a : tc.exp_alerts) {
      Pairs labels = a.exp_labels;
      std::erase_if(labels, [](const auto& p) { return p.first == "alertname"; });
      labels.emplace_back("alertname", tc.alertname);
      exp_alerts.push_back({from_map(std::move(labels)), from_map(a.exp_annotations)});
    }
    sort_alerts(got_alerts);
    sort_alerts(exp_alerts);
    if (exp_alerts != got_alerts) {
      errs.push_back(test_name() + "    alertname: " + tc.alertname +
                     ", time: " + model_duration(tc.eval_time_ms) +
                     ", \n        exp:" + indent_lines(alerts_string(exp_alerts), "            ") +
                     ", \n        got:" + indent_lines(alerts_string(got_alerts), "            "));
    }
  }
}

void TestGroupRun::check_expr(const UnitTestExprCase& tc, std::vector<std::string>& errs) {
  const std::string head =
      "    expr: " + go_quote(tc.expr) + ", time: " + model_duration(tc.eval_time_ms);
  auto res = engine_.instant(history_.querier(), tc.expr, tc.eval_time_ms);
  if (!res.ok()) {
    errs.push_back(head + ", err: " + res.error().to_string());
    return;
  }
  std::vector<ParsedSample> got;
  if (const auto* v = std::get_if<promql::Vector>(&*res)) {
    for (const auto& s : *v) got.push_back({from_labels(s.metric), s.point.v});
  } else if (const auto* sc = std::get_if<promql::Scalar>(&*res)) {
    got.push_back({{}, sc->v});
  } else {
    errs.push_back(head + ", err: rule result is not a vector or scalar");
    return;
  }
  std::vector<ParsedSample> exp;
  for (const auto& s : tc.exp_samples) {
    // parser.ParseMetric: an empty text is the empty label set.
    if (s.labels.find_first_not_of(" \t\r\n") == std::string::npos) {
      exp.push_back({{}, s.value});
      continue;
    }
    auto desc = promql::parse_series_desc(s.labels);
    std::string problem;
    if (!desc.ok()) {
      problem = desc.error().to_string();
    } else if (!desc->values.empty()) {
      problem = "1:1: parse error: unexpected series values in a metric";
    }
    if (!problem.empty()) {
      errs.push_back(head + ", err: labels " + go_quote(s.labels) + ": " + problem);
      return;
    }
    exp.push_back({from_labels(desc->labels), s.value});
  }
  sort_samples(exp);
  sort_samples(got);
  if (!samples_equal(exp, got)) {
    errs.push_back(head + ",\n        exp: " + samples_string(exp) +
                   "\n        got: " + samples_string(got));
  }
}

std::vector<std::string> TestGroupRun::run() {
  auto series = load_series(tg_);
  if (!series.ok()) return {series.message()};
  input_ = std::move(*series);
  std::vector<std::string> errs;
  if (!load_groups(errs)) return errs;

  EngineOptions eo;
  eo.max_samples = kMaxSamples;
  eo.timeout = std::chrono::milliseconds(kTimeoutMs);
  eo.default_subquery_step = std::chrono::milliseconds(interval_);
  engine_ = promql::Engine(eo);
  history_.set_selectors({{}});  // keep every series: the tests' queries may select any
  history_.set_retention(std::numeric_limits<std::int64_t>::max() / 4);
  ctx_.history = &history_;
  ctx_.engine = &engine_;
  for (const auto& [k, v] : tg_.external_labels) ctx_.external_labels[k] = v;
  ctx_.external_url = tg_.external_url;

  std::int64_t maxt = 0;
  std::vector<std::int64_t> alert_times;
  for (const auto& tc : tg_.alert_rule_test) {
    if (tc.alertname.empty()) {
      const std::string in_group =
          tg_.name.empty() ? std::string() : " (in TestGroup " + tg_.name + ")";
      return {"an item under alert_rule_test misses required attribute alertname at eval_time " +
              model_duration(tc.eval_time_ms) + in_group};
    }
    alert_times.push_back(tc.eval_time_ms);
    maxt = std::max(maxt, tc.eval_time_ms);
  }
  for (const auto& tc : tg_.promql_expr_test) maxt = std::max(maxt, tc.eval_time_ms);
  std::sort(alert_times.begin(), alert_times.end());
  alert_times.erase(std::unique(alert_times.begin(), alert_times.end()), alert_times.end());

  std::size_t curr = 0;
  for (std::int64_t ts = 0; ts <= maxt; ts += interval_) {
    std::vector<std::string> eval_errs;
    if (!feed(ts)) {
      errs.push_back("empty labelset: invalid sample");
    } else {
      for (auto& g : groups_) {
        g->eval(ts, ctx_, nullptr);
        for (const auto& r : g->rules()) {
          if (r.health == RuleHealth::err) {
            eval_errs.push_back("    rule: " + r.name() + ", time: " + go_duration_string(ts) +
                                ", err: " + r.last_error);
          }
        }
      }
    }
    history_.trim(ts);
    if (!eval_errs.empty()) {
      errs.insert(errs.end(), eval_errs.begin(), eval_errs.end());
      return errs;
    }
    // An alert_rule_test is checked after the evaluation at or just before its eval_time.
    while (curr < alert_times.size() && ts <= alert_times[curr] &&
           alert_times[curr] < ts + interval_) {
      check_alerts(alert_times[curr], errs);
      ++curr;
    }
    if (maxt - ts < interval_) break;  // the next step would pass maxt (and must not overflow)
  }
  for (const auto& tc : tg_.promql_expr_test) check_expr(tc, errs);
  return errs;
}

}  // namespace

std::string go_duration_string(std::int64_t ms) {
  if (ms == 0) return "0s";
  const bool neg = ms < 0;
  std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(ms) : static_cast<std::uint64_t>(ms);
  std::string out;
  if (u < 1000) {
    out = std::to_string(u) + "ms";
  } else {
    const std::uint64_t frac = u % 1000;
    std::uint64_t secs = u / 1000;
    std::string s = std::to_string(secs % 60);
    if (frac != 0) {
      std::string f = std::to_string(frac);
      f.insert(0, 3 - f.size(), '0');
      while (!f.empty() && f.back() == '0') f.pop_back();
      s += "." + f;
    }
    s += "s";
    const std::uint64_t mins = secs / 60;
    if (mins > 0) {
      s = std::to_string(mins % 60) + "m" + s;
      if (mins / 60 > 0) s = std::to_string(mins / 60) + "h" + s;
    }
    out = s;
  }
  return neg ? "-" + out : out;
}

std::vector<std::string> run_unit_tests(const UnitTestFileSpec& spec,
                                        const std::vector<std::string>& rule_files,
                                        const RuleFileLoader& load) {
  const std::int64_t interval =
      spec.evaluation_interval_ms != 0 ? spec.evaluation_interval_ms : kDefaultEvaluationIntervalMs;
  std::map<std::string, int> order;
  for (std::size_t i = 0; i < spec.group_eval_order.size(); ++i) {
    const auto& name = spec.group_eval_order[i];
    if (!order.emplace(name, static_cast<int>(i)).second)
      return {"group name repeated in evaluation order: " + name};
  }
  std::vector<std::string> errs;
  for (const auto& tg : spec.tests) {
    TestGroupRun run(tg, interval, order, rule_files, load);
    auto e = run.run();
    errs.insert(errs.end(), e.begin(), e.end());
  }
  return errs;
}

void print_unit_test_result(const std::vector<std::string>& errors, std::ostream& out,
                            std::ostream& err) {
  if (errors.empty()) {
    out << "  SUCCESS\n";
  } else {
    err << "  FAILED:\n";
    err.flush();
    for (const auto& e : errors) {
      err << e << '\n';
      err.flush();
      out << '\n';
      out.flush();
    }
  }
  out << '\n';
  out.flush();
}

}  // namespace sonde::rules
