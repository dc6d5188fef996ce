// Parse time of every rule of the awesome-prometheus-alerts corpus (112 files, 954 rules):
// the rule-file YAML (lib/config), every PromQL expression and every alert template (lib/rules'
// validation, as `sonde rules check` runs it). Files are read into memory first; the median and
// the fastest of RUNS passes (CPU time) are printed, with the three parts timed apart.
//
//   rules_parse_bench [DIR] [RUNS]   (default: tests/fixtures/rules/awesome-prometheus-alerts, 20)
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "config/rule_file.hpp"
#include "core/read_file.hpp"
#include "rules/promql/parser.hpp"
#include "rules/rule_file.hpp"
#include "rules/template/template.hpp"

namespace {

// CPU time of this process, not wall time: on a shared machine the wall clock also counts the
// time other processes held the CPU (docs/performance.md gives the load of each run).
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  }
};

double ms_since(double start) { return Clock::now() - start; }

struct Stats {
  double median = 0;
  double min = 0;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front()};
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::path(SONDE_RULES_CORPUS);
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
  std::vector<std::string> texts;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".yml") continue;
    auto t = sonde::core::read_text(e.path(), sonde::config::kMaxRuleFileBytes);
    if (!t) {
      std::fprintf(stderr, "%s\n", t.message().c_str());
      return 1;
    }
    texts.push_back(std::move(*t));
  }
  std::size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();

  // The rules once, for the per-part timings.
  std::vector<sonde::rules::RuleFileSpec> specs;
  std::size_t rules = 0, templates = 0;
  for (const auto& t : texts) {
    auto r = sonde::config::read_rule_text(t);
    if (!r.ok()) {
      std::fprintf(stderr, "a corpus file did not read\n");
      return 1;
    }
    for (const auto& g : r.spec.groups) {
      rules += g.rules.size();
      for (const auto& rule : g.rules) templates += rule.labels.size() + rule.annotations.size();
    }
    specs.push_back(std::move(r.spec));
  }

  std::vector<double> total, yaml, promql, tmpl;
  std::size_t problems = 0;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    for (const auto& t : texts) {
      const auto r = sonde::config::read_rule_text(t);
      problems += sonde::rules::check_file("corpus", r, true).errors.size();
    }
    total.push_back(ms_since(start));

    start = Clock::now();
    for (const auto& t : texts) problems += sonde::config::read_rule_text(t).problems.size();
    yaml.push_back(ms_since(start));

    start = Clock::now();
    for (const auto& s : specs) {
      for (const auto& g : s.groups) {
        for (const auto& r : g.rules)
          problems += sonde::rules::promql::parse(r.expr.value).ok() ? 0 : 1;
      }
    }
    promql.push_back(ms_since(start));

    start = Clock::now();
    for (const auto& s : specs) {
      for (const auto& g : s.groups) {
        for (const auto& r : g.rules) {
          for (const auto* list : {&r.labels, &r.annotations}) {
            for (const auto& p : *list) {
              problems +=
                  sonde::rules::tmpl::parse_alert_template(r.alert.value, p.value.value).ok() ? 0
                                                                                              : 1;
            }
          }
        }
      }
    }
    tmpl.push_back(ms_since(start));
  }
  if (problems != 0) {
    std::fprintf(stderr, "%zu problems in a corpus promtool accepts\n", problems);
    return 1;
  }
  const auto t = stats(total), y = stats(yaml), p = stats(promql), m = stats(tmpl);
  std::printf("%zu files, %zu bytes, %zu rules, %zu label/annotation templates; %d runs\n",
              texts.size(), bytes, rules, templates, runs);
  std::printf(
      "all (YAML + validation: PromQL, templates, names, lint): median %.2f ms, min %.2f ms\n",
      t.median, t.min);
  std::printf("  YAML into rule_file_spec:  median %.2f ms, min %.2f ms\n", y.median, y.min);
  std::printf("  PromQL expressions:        median %.2f ms, min %.2f ms\n", p.median, p.min);
  std::printf("  templates:                 median %.2f ms, min %.2f ms\n", m.median, m.min);
  return 0;
}
