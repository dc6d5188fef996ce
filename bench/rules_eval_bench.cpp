// Rule evaluation cost: bench/gen_bench_rules.py's rules (corpus node-exporter alerts rewritten
// onto these series) over N generated series (default 10,000) at a 15 s interval, through the
// real path (board snapshot -> history -> groups), on a fake clock. Prints evaluation time per
// cycle (wall clock and the evaluating thread's CPU time), feed time per cycle, CPU per hour and
// the history's memory per series after 20 minutes. Usage: rules_eval_bench RULES.yml [SERIES]
// [CYCLES] [STEP_S]  (bench/rules_eval.sh runs it).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/rule_file.hpp"
#include "core/board.hpp"
#include "core/clock.hpp"
#include "rules/group.hpp"
#include "rules/manager.hpp"
#include "rules/promql/parser.hpp"
#include "rules/rule_file.hpp"

using namespace sonde;

namespace {

bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Series {
  std::string text;
  bool counter = false;
  double value = 0;
  bool moves = true;
};

/// A healthy host's value for a series (so most alerts stay inactive, as they do on a healthy
/// host); `moves` is false for values that must stay put (error counts, states, limits).
double healthy_value(const std::string& text, bool& moves) {
  moves = false;
  if (has(text, "error") || has(text, "errs") || has(text, "alarm") || has(text, "oom") ||
      has(text, "state=\"failed\"") || has(text, "pgmajfault")) {
    return 0;
  }
  if (has(text, "node_timex_sync_status") || has(text, "node_uname_info") ||
      has(text, "state=\"active\"") || has(text, "_disks_required")) {
    return 1;
  }
  if (has(text, "node_timex")) return 0.001;
  if (has(text, "node_hwmon_temp_celsius")) return 50;
  if (has(text, "node_hwmon_temp_max")) return 90;
  if (has(text, "node_bonding")) return 2;
  if (has(text, "Swap")) return 0;
  if (has(text, "_limit") || has(text, "MemTotal") || has(text, "_size_bytes") ||
      has(text, "node_filesystem_files{") || has(text, "speed_bytes")) {
    return 2e9;
  }
  if (has(text, "readonly")) return 0;
  moves = true;
  return 1e9;
}

/// Series for every metric name the rules select, with the labels their matchers ask for.
std::vector<Series> make_series(const std::set<std::string>& names, std::size_t total) {
  std::vector<Series> out;
  const std::size_t per = std::max<std::size_t>(1, total / names.size());
  std::mt19937_64 rng(1);
  for (const auto& n : names) {
    const bool counter = n.size() > 6 && n.compare(n.size() - 6, 6, "_total") == 0;
    auto add = [&](const std::string& labels) {
      if (out.size() >= total) return;
      Series s{n + "{" + labels + "}", counter || n.rfind("node_vmstat_", 0) == 0, 0, false};
      s.value = healthy_value(s.text, s.moves);
      out.push_back(std::move(s));
    };
    for (std::size_t i = 0; i < per; ++i) {
      const std::string k = std::to_string(i);
      if (n == "node_cpu_seconds_total") {
        static const char* kModes[] = {"idle", "user", "system", "iowait", "steal"};
        add("cpu=\"" + std::to_string(i / 5) + "\",mode=\"" + kModes[i % 5] + "\"");
      } else if (n.rfind("node_filesystem_", 0) == 0) {
        add("device=\"/dev/d" + k + "\",fstype=\"ext4\",mountpoint=\"/m" + k + "\"");
      } else if (n == "node_systemd_unit_state" || n == "node_md_disks") {
        add("name=\"u" + std::to_string(i / 2) + "\",state=\"" + (i % 2 ? "failed" : "active") +
            "\"");
      } else {
        add("device=\"d" + k + "\"");
      }
    }
  }
  return out;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: rules_eval_bench RULES.yml [SERIES] [CYCLES]\n");
    return 2;
  }
  const std::string path = argv[1];
  const std::size_t total = argc > 2 ? std::stoul(argv[2]) : 10'000;
  const int measured = argc > 3 ? std::stoi(argv[3]) : 40;
  // Seconds between Manager::step calls: 15 (default) runs every group in one step a cycle; 1
  // steps as the daemon's rules thread does (it looks every second), so each group evaluates in
  // the step of its own slot and the pass cache serves one group at a time.
  const int step_s = argc > 4 ? std::stoi(argv[4]) : 15;

  auto read = config::read_rule_file(path);
  if (!read.ok()) {
    std::fprintf(stderr, "%s\n", read.message().c_str());
    return 1;
  }
  auto check = rules::check_file(path, *read, false);
  if (!check.errors.empty()) {
    std::fprintf(stderr, "%s\n", check.errors.front().c_str());
    return 1;
  }
  std::set<std::string> names;
  std::size_t rule_count = 0;
  for (const auto& g : read->spec.groups) {
    for (const auto& r : g.rules) {
      ++rule_count;
      auto e = rules::promql::parse(r.expr.value);
      rules::RuleNeeds needs;
      rules::add_needs(**e, needs);
      for (const auto& sel : needs.selectors) {
        for (const auto& m : sel) {
          if (m.name == "__name__" && m.type == rules::promql::MatchType::equal)
            names.insert(m.value);
        }
      }
    }
  }
  auto series = make_series(names, total);

  const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  core::FakeClock clock(t0);
  core::Board board(clock);
  board.declare("host", core::ComponentKind::collector);
  rules::Manager manager(board, clock);
  rules::ManagerSettings settings;
  settings.rules.evaluation_interval = std::chrono::seconds(15);
  settings.series_labels = {{"instance", "bench:9477"}, {"job", "sonde"}};
  rules::RuleFileInput in{path, read->spec, {}};
  manager.update(settings, {in});

  std::mt19937_64 rng(2);
  const int warmup = 80;  // 20 minutes of 15 s cycles before measuring
  std::vector<double> eval_ms, eval_cpu_ms, step_ms;
  double cpu = 0;
  for (int cycle = 0; cycle < warmup + measured; ++cycle) {
    core::SnapshotBuilder b;
    for (auto& s : series) {
      // A quiet host: counters move by small steps, gauges rarely and little (so most alerts
      // stay inactive, as on a healthy host; the ones that fire still expand their templates).
      if (!s.moves) {
      } else if (has(s.text, "mode=\"idle\"")) {
        s.value += 14.5 + static_cast<double>(rng() % 40) / 100;  // an idle CPU
      } else if (has(s.text, "seconds_total")) {
        s.value += static_cast<double>(rng() % 10) / 100;  // a few ms busy a second
      } else if (s.counter) {
        s.value += static_cast<double>(rng() % 100);
      } else if (rng() % 8 == 0) {
        s.value += static_cast<double>(rng() % 1000) - 500;
      }
      const auto brace = s.text.find('{');
      b.add_raw(s.text.substr(0, brace), core::MetricType::gauge, "", s.text, s.value);
    }
    // The collector's attempt lands a few ms after the cycle's start, as on a real host.
    clock.advance(std::chrono::milliseconds(static_cast<int>(rng() % 7)));
    board.publish("host", std::make_shared<const core::Snapshot>(b.take()), 0, core::ok());
    double wall = 0;
    const double c0 = cpu_seconds();
    for (int at = step_s; at <= 15; at += step_s) {
      clock.set(t0 + std::chrono::seconds(15) * cycle + std::chrono::seconds(at));
      const auto now =
          std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
              .count();
      const auto w0 = std::chrono::steady_clock::now();
      manager.step(now);
      wall +=
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - w0).count();
    }
    const double c1 = cpu_seconds();
    if (cycle < warmup) continue;
    double eval = 0, eval_cpu = 0;
    manager.visit_groups([&](const rules::Group& g) {
      eval += g.last_duration_seconds * 1000;
      eval_cpu += g.last_cpu_seconds * 1000;
    });
    eval_ms.push_back(eval);
    eval_cpu_ms.push_back(eval_cpu);
    step_ms.push_back(wall);
    cpu += c1 - c0;
  }
  const auto st = manager.history_stats();
  std::size_t alerts = 0;
  std::map<std::string, std::size_t> by_rule;
  manager.visit_groups([&](const rules::Group& g) {
    for (const auto& r : g.rules()) {
      alerts += r.active.size();
      if (!r.active.empty()) by_rule[r.name()] += r.active.size();
    }
  });
  for (const auto& [name, n] : by_rule) std::printf("  active: %s %zu\n", name.c_str(), n);
  std::printf(
      "rules %zu, generated series %zu over %zu metric names, measured cycles %d, a step every "
      "%d s\n",
      rule_count, series.size(), names.size(), measured, step_s);
  std::printf("history: %zu series, %zu samples (%.1f a series), %zu bytes = %.0f B a series\n",
              st.series, st.samples, static_cast<double>(st.samples) / st.series, st.bytes,
              static_cast<double>(st.bytes) / st.series);
  std::printf("evaluation per cycle: median %.2f ms, p90 %.2f ms, max %.2f ms\n",
              percentile(eval_ms, 0.5), percentile(eval_ms, 0.9), percentile(eval_ms, 1.0));
  std::printf("evaluation CPU per cycle: median %.2f ms, p90 %.2f ms, max %.2f ms\n",
              percentile(eval_cpu_ms, 0.5), percentile(eval_cpu_ms, 0.9),
              percentile(eval_cpu_ms, 1.0));
  std::printf(
      "whole cycle's steps (feed + evaluation + trim + publish): median %.2f ms, max %.2f ms\n",
      percentile(step_ms, 0.5), percentile(step_ms, 1.0));
  std::printf(
      "CPU per cycle (all its steps): %.2f ms; pass cache peak %zu bytes (%.0f B a series)\n",
      cpu / measured * 1000, st.decode_cache_peak_bytes,
      static_cast<double>(st.decode_cache_peak_bytes) / st.series);
  std::printf("CPU per hour at 15 s: %.1f s (%.3f%% of one core); active alerts %zu\n",
              cpu / measured * 240, cpu / measured / 15 * 100, alerts);
  return 0;
}
