#include "rules/manager.hpp"

#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

namespace sonde::rules {

using promql::Labels;

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::vector<history::SourceSample> flatten(const core::Snapshot& snap) {
  std::vector<history::SourceSample> out;
  out.reserve(snap.series_count());
  for (const auto& f : snap.families) {
    for (const auto& s : f.samples) out.push_back({s.series, s.value});
  }
  return out;
}

Labels to_labels(const core::LabelPairs& pairs) {
  std::vector<promql::Label> l;
  for (const auto& [k, v] : pairs) l.push_back({k, v});
  return Labels(std::move(l));
}

/// Adds one sample of a promql label set (its __name__ is the family) to `b`, leaving out the
/// labels in `drop` that have the same value.
void add_sample(core::SnapshotBuilder& b, core::MetricType type, std::string_view help,
                const Labels& l, double v, const Labels& drop) {
  std::vector<core::Label> pairs;
  pairs.reserve(l.size());
  for (const auto& p : l) {
    if (p.name == promql::kMetricName) continue;
    if (drop.has(p.name) && drop.get(p.name) == p.value) continue;
    pairs.emplace_back(p.name, p.value);
  }
  b.add(l.get(promql::kMetricName), type, help, pairs, v);
}

}  // namespace

Manager::Manager(core::Board& board, const core::Clock& clock)
    : board_(board), clock_(clock), history_(RulesOptions{}.max_history_series) {
  board_.declare(kBoardSource, core::ComponentKind::other, /*counts_for_ready=*/false);
  ctx_.history = &history_;
  ctx_.engine = &engine_;
}

Manager::~Manager() { stop(); }

std::uint64_t Manager::load_failures() const {
  std::lock_guard lock(mu_);
  return load_failures_;
}

std::size_t Manager::group_count() const {
  std::lock_guard lock(mu_);
  return groups_.size();
}

std::size_t Manager::update(const ManagerSettings& settings,
                            const std::vector<RuleFileInput>& files) {
  std::lock_guard lock(mu_);
  const std::int64_t now = to_ms(clock_.now());
  settings_ = settings;
  // A subquery without a step steps at the global evaluation interval, as in Prometheus.
  auto engine = settings.rules.engine;
  engine.default_subquery_step = settings.rules.evaluation_interval;
  engine_ = promql::Engine(engine);
  history_.set_max_series(settings.rules.max_history_series);
  history_.set_series_labels(to_labels(settings.series_labels));
  ctx_.external_labels.clear();
  for (const auto& [k, v] : settings.external_labels) ctx_.external_labels.emplace(k, v);
  ctx_.external_url = settings.external_url;

  std::map<std::string, std::unique_ptr<Group>> next;
  std::size_t failed = 0;
  for (const auto& file : files) {
    std::vector<std::unique_ptr<Group>> loaded;
    std::vector<std::string> errors = file.errors;
    if (file.spec) {
      for (const auto& gs : file.spec->groups) {
        std::vector<Rule> rules;
        for (const auto& rs : gs.rules) {
          auto r = Rule::compile(rs);
          if (!r.ok()) {
            errors.push_back(file.path + ": group \"" + gs.name.value + "\": " + r.message());
            break;
          }
          rules.push_back(std::move(*r));
        }
        const std::int64_t interval = gs.interval.count() > 0
                                          ? gs.interval.count()
                                          : settings.rules.evaluation_interval.count();
        loaded.push_back(std::make_unique<Group>(file.path, gs.name.value, interval, gs.limit,
                                                 std::move(rules)));
      }
    } else if (errors.empty()) {
      errors.push_back(file.path + ": cannot be loaded");
    }
    if (!errors.empty()) {
      // Keep what this file ran before.
      ++failed;
      ++load_failures_;
      for (const auto& e : errors) spdlog::error("rules: {}", e);
      std::size_t kept = 0;
      for (auto it = groups_.begin(); it != groups_.end();) {
        if (it->second->file() == file.path) {
          next.insert(std::move(*it));
          it = groups_.erase(it);
          ++kept;
        } else {
          ++it;
        }
      }
      spdlog::error("rules: {} does not load; its previous {} group(s) keep running", file.path,
                    kept);
      continue;
    }
    for (auto& g : loaded) {
      const std::string key = g->key();
      auto old = groups_.find(key);
      if (old != groups_.end() && old->second->equals(*g)) {
        next.insert(std::move(*old));
        groups_.erase(old);
        continue;
      }
      if (old != groups_.end()) {
        g->copy_state(*old->second);
        groups_.erase(old);
      }
      g->next_eval_ms = g->eval_timestamp(now) + g->interval_ms();
      next.emplace(key, std::move(g));
    }
  }
  // Groups no file has any more: what they wrote ends.
  for (auto& [key, g] : groups_) {
    for (const auto& r : g->rules()) {
      for (const auto& [h, l] : r.series_in_previous_eval) stale_series_.push_back(l);
    }
  }
  groups_ = std::move(next);
  configure_history_locked();
  if (!state_loaded_) {
    state_loaded_ = true;
    load_state_locked(now);
  }
  std::size_t rules = 0;
  for (const auto& [key, g] : groups_) rules += g->rules().size();
  spdlog::info("rules: {} group(s), {} rule(s) from {} file(s); history keeps {} s", groups_.size(),
               rules, files.size(), history_.retention_ms() / 1000);
  refresh_api_view_locked();
  woken_ = true;
  cv_.notify_all();
  return failed;
}

void Manager::refresh_api_view_locked() {
  std::vector<const Group*> groups;
  groups.reserve(groups_.size());
  for (const auto& [key, g] : groups_) groups.push_back(g.get());
  auto view = std::make_shared<const ApiView>(make_api_view(groups));
  std::lock_guard lock(api_mu_);
  api_view_ = std::move(view);
}

void Manager::set_file_steps(std::unique_ptr<FileSteps> steps) {
  std::lock_guard lock(mu_);
  file_steps_ = std::move(steps);
}

void Manager::load_state_locked(std::int64_t now_ms) {
  const auto& path = settings_.rules.state_file;
  if (path.empty()) return;
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st)) return;  // a first start
  // A state file is a few KB per hundred alerts; a bigger one is not ours.
  constexpr std::uintmax_t kMaxStateBytes = 64u << 20;
  std::string problem;
  if (!std::filesystem::is_regular_file(st)) {
    problem = "not a regular file";
  } else if (std::filesystem::file_size(path, ec) > kMaxStateBytes) {
    problem = "larger than 64 MiB";
  } else {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      problem = "cannot be read";
    } else if (auto saved = decode_state(text.str()); !saved.ok()) {
      problem = saved.message();
    } else {
      restore_locked(*saved, now_ms);
      return;
    }
  }
  ++restore_failures_;
  const std::filesystem::path aside = path.string() + ".corrupt";
  if (std::filesystem::is_regular_file(st)) std::filesystem::rename(path, aside, ec);
  spdlog::error("rules: state file {}: {}; {}starting without restored alerts", path.string(),
                problem,
                ec || !std::filesystem::is_regular_file(st) ? std::string()
                                                            : "moved to " + aside.string() + "; ");
}

void Manager::set_alert_sink(AlertSink sink) {
  std::lock_guard lock(mu_);
  sink_ = std::move(sink);
}

// Prometheus 2.42's AlertingRule.sendAlerts and Alert.needsSending, then rules.SendAlerts.
void Manager::send_alerts_locked(Group& g, std::int64_t ts) {
  if (!sink_) return;
  const std::int64_t resend = settings_.rules.notify.resend_delay.count();
  // Allow for two evaluation or Alertmanager send failures.
  const std::int64_t delta = std::max(resend, g.interval_ms());
  std::vector<notify::Notification> out;
  for (auto& r : g.rules()) {
    if (!r.alerting()) continue;
    std::string url;
    for (auto& [h, a] : r.active) {
      if (a.state == AlertState::pending) continue;
      const bool resolved_since = a.resolved_at_ms != 0 && a.resolved_at_ms > a.last_sent_at_ms;
      if (!resolved_since && !(a.last_sent_at_ms + resend < ts)) continue;
      a.last_sent_at_ms = ts;
      a.valid_until_ms = ts + 4 * delta;
      if (url.empty()) url = notify::generator_url(ctx_.external_url, r.query());
      notify::Notification n;
      n.labels = a.labels;
      n.annotations = a.annotations;
      n.starts_at_ms = a.fired_at_ms;
      n.ends_at_ms = a.resolved_at_ms != 0 ? a.resolved_at_ms : a.valid_until_ms;
      n.generator_url = url;
      out.push_back(std::move(n));
    }
  }
  if (!out.empty()) sink_(std::move(out));
}

void Manager::restore_locked(const SavedState& saved, std::int64_t now_ms) {
  restored_at_ms_ = now_ms;
  const std::int64_t downtime = now_ms - saved.last_evaluation_ms;
  const std::int64_t tolerance = settings_.rules.for_outage_tolerance.count();
  const std::int64_t grace = settings_.rules.for_grace_period.count();
  std::size_t restored = 0;
  std::size_t dropped = 0;
  for (const auto& s : saved.alerts) {
    auto g = groups_.find(s.file + ";" + s.group);
    Rule* rule = nullptr;
    if (g != groups_.end()) {
      for (auto& r : g->second->rules()) {
        if (r.alerting() && r.name() == s.rule && r.expr_text() == s.expr) {
          rule = &r;
          break;
        }
      }
    }
    // A resolved alert is restored (still resolved) while it is kept, so that the notifiers
    // are told after a restart.
    const bool resolved = s.state == AlertState::inactive && s.resolved_at_ms != 0 &&
                          now_ms - s.resolved_at_ms <= kResolvedRetentionMs;
    // Gone, changed, or down for longer than the tolerance: it starts afresh.
    if (rule == nullptr || (s.state == AlertState::inactive && !resolved) ||
        (!resolved && downtime > tolerance)) {
      ++dropped;
      continue;
    }
    Alert a;
    a.labels = s.labels;
    a.state = s.state;
    a.value = s.value;
    a.active_at_ms = s.active_at_ms;
    a.fired_at_ms = s.fired_at_ms;
    a.keep_firing_since_ms = s.keep_firing_since_ms;
    a.resolved_at_ms = s.resolved_at_ms;
    if (a.state == AlertState::pending) {
      const std::int64_t remaining = rule->for_ms() - (saved.last_evaluation_ms - a.active_at_ms);
      if (remaining <= 0) {
        a.state = AlertState::firing;
        a.fired_at_ms = now_ms;
      } else {
        // The downtime does not count towards `for`, and a restored alert never fires sooner
        // than the grace period after the start.
        a.active_at_ms += std::max<std::int64_t>(downtime, 0);
        if (remaining < grace) a.active_at_ms = now_ms + grace - rule->for_ms();
      }
    }
    RuleNeeds needs;
    add_needs(rule->expr(), needs);
    rule->hold_resolve_until_ms = now_ms + needs.lookback_ms;
    rule->active[a.labels.hash()] = std::move(a);
    ++restored;
  }
  spdlog::info("rules: restored {} alert(s) from {} (down {} s){}", restored,
               settings_.rules.state_file.string(), downtime / 1000,
               dropped > 0 ? ", " + std::to_string(dropped) + " started afresh" : std::string());
}

void Manager::save_state_locked(std::int64_t now_ms) {
  const auto& path = settings_.rules.state_file;
  if (path.empty()) return;
  SavedState st;
  st.last_evaluation_ms = now_ms;
  for (const auto& [key, g] : groups_) {
    for (const auto& r : g->rules()) {
      for (const auto& [h, a] : r.active) {
        if (a.state == AlertState::inactive && a.resolved_at_ms == 0) continue;
        st.alerts.push_back({g->file(), g->name(), r.name(), r.expr_text(), a.labels, a.state,
                             a.active_at_ms, a.fired_at_ms, a.keep_firing_since_ms,
                             a.resolved_at_ms, a.value});
      }
    }
  }
  // Rewritten while any alert is active, and once more when the last one ends.
  if (st.alerts.empty() && !state_active_) return;
  if (auto w = write_atomically(path, encode_state(st), *file_steps_); !w.ok()) {
    ++write_failures_;
    log_.warn("state_file", w.message());
    return;
  }
  state_active_ = !st.alerts.empty();
}

void Manager::configure_history_locked() {
  RuleNeeds needs;
  std::int64_t longest_interval = settings_.rules.evaluation_interval.count();
  for (const auto& [key, g] : groups_) {
    longest_interval = std::max(longest_interval, g->interval_ms());
    for (const auto& r : g->rules()) add_needs(r.expr(), needs);
  }
  // One interval more than the rules look back, so the oldest sample a range needs is never
  // trimmed just before the evaluation that needs it.
  history_.set_retention(needs.lookback_ms + longest_interval);
  history_.set_selectors(std::move(needs.selectors), std::move(needs.reach_ms));
}

void Manager::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  if (!started_) {
    // The daemon starts the thread once every source has published once (the warm-up), and
    // the history fills from the first pass on. Each group takes its first slot after now, as
    // Prometheus's groups do at start: a slot from before the warm-up would be evaluated at a
    // time before the sources' first samples (an `absent()` there fires, a `for` runs from
    // it). A restored alert's hold (the history covering its longest range) counts from now.
    started_ = true;
    const std::int64_t now = to_ms(clock_.now());
    for (auto& [key, g] : groups_) {
      g->next_eval_ms = g->eval_timestamp(now) + g->interval_ms();
      for (auto& r : g->rules()) {
        if (r.hold_resolve_until_ms != 0)
          r.hold_resolve_until_ms += std::max<std::int64_t>(0, now - restored_at_ms_);
      }
    }
  }
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Manager::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void Manager::run() {
  while (true) {
    const std::int64_t now = to_ms(clock_.now());
    const std::int64_t next = step(now);
    std::unique_lock lock(mu_);
    if (stopping_) return;
    const auto wait = std::chrono::milliseconds(std::max<std::int64_t>(next - now, 1));
    cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
    woken_ = false;
    if (stopping_) return;
  }
}

void Manager::feed_locked(std::int64_t now_ms) {
  std::set<std::string> seen;
  for (const auto& s : board_.published()) {
    if (s.name == kBoardSource) continue;
    seen.insert(s.name);
    auto& fed = fed_[s.name];
    if (fed == s.attempts) continue;
    fed = s.attempts;
    if (s.snapshot) {
      history_.append_source(s.name, to_ms(s.at), flatten(*s.snapshot));
    } else {
      history_.source_gone(s.name, to_ms(s.at));
    }
  }
  for (auto it = fed_.begin(); it != fed_.end();) {
    if (seen.count(it->first) == 0) {
      history_.source_gone(it->first, now_ms);
      it = fed_.erase(it);
    } else {
      ++it;
    }
  }
  if (now_ms >= next_live_ms_) {
    // Live sources (the ingest aggregator, self metrics, the clock) are cut as a scrape would
    // cut them, once an evaluation interval.
    for (const auto& s : board_.cut_live({})) {
      history_.append_source("live:" + s.name, now_ms, flatten(*s.snapshot));
    }
    // As a scrape adds up for its target.
    history_.append_source("up", now_ms, {{"up", 1}});
    next_live_ms_ = now_ms + settings_.rules.evaluation_interval.count();
  }
}

std::int64_t Manager::step(std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::int64_t next = now_ms + 1000;  // published snapshots are looked for every second
  if (!groups_.empty()) feed_locked(now_ms);
  for (const auto& s : stale_series_) history_.append(s, now_ms, promql::stale_nan());
  stale_series_.clear();
  bool evaluated = false;
  for (auto& [key, g] : groups_) {
    if (now_ms >= g->next_eval_ms) {
      evaluated = true;
      const std::int64_t missed = (now_ms - g->next_eval_ms) / g->interval_ms();
      if (missed > 0) g->counters.iterations_missed += static_cast<std::uint64_t>(missed);
      const std::int64_t ts = g->next_eval_ms + missed * g->interval_ms();
      const auto t0 = std::chrono::steady_clock::now();
      const double cpu0 = thread_cpu_seconds();
      g->last_eval_ms = to_ms(clock_.now());
      g->eval(ts, ctx_, [this, &g = *g](const Rule& r, const std::string& err) {
        log_.warn(g.key() + ";" + r.name(), [&] {
          return "rules: group " + g.key() + ", rule " + r.name() + ": evaluating failed: " + err;
        });
      });
      g->last_duration_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      g->last_cpu_seconds = thread_cpu_seconds() - cpu0;
      g->next_eval_ms = ts + g->interval_ms();
      send_alerts_locked(*g, ts);
    }
    next = std::min(next, g->next_eval_ms);
  }
  if (!groups_.empty()) next = std::min(next, std::max(next_live_ms_, now_ms + 1));
  if (evaluated) {
    save_state_locked(now_ms);
    refresh_api_view_locked();
  }
  history_.trim(now_ms);
  ++iterations_;
  publish_locked();
  return next;
}

void Manager::publish_locked() {
  core::SnapshotBuilder b;
  const Labels drop = to_labels(settings_.series_labels);
  const Labels none;
  using core::MetricType;
  for (const auto& [key, g] : groups_) {
    const auto& rules = g->rules();
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const bool alerting = rules[i].alerting();
      if (alerting && !settings_.rules.publish_alerts_series) continue;
      for (const auto& s : g->last_output()[i]) {
        if (alerting) {
          add_sample(b, MetricType::gauge, "", s.metric, s.point.v, none);
        } else {
          add_sample(b, MetricType::untyped, "", s.metric, s.point.v, drop);
        }
      }
    }
  }
  for (const auto& [key, g] : groups_) {
    const core::Label l[] = {{"rule_group", key}};
    b.gauge("sonde_rule_group_last_duration_seconds",
            "The duration of the last rule group evaluation.", l, g->last_duration_seconds);
    b.gauge("sonde_rule_group_last_evaluation_timestamp_seconds",
            "The timestamp of the last rule group evaluation in seconds.", l,
            static_cast<double>(g->last_eval_ms) / 1000.0);
    b.gauge("sonde_rule_group_interval_seconds", "The interval of a rule group.", l,
            static_cast<double>(g->interval_ms()) / 1000.0);
    b.gauge("sonde_rule_group_rules", "The number of rules.", l,
            static_cast<double>(g->rules().size()));
    b.gauge("sonde_rule_group_last_evaluation_samples",
            "The number of samples returned during the last rule group evaluation.", l,
            static_cast<double>(g->last_samples));
    b.counter("sonde_rule_evaluations_total", "The total number of rule evaluations.", l,
              static_cast<double>(g->counters.evaluations));
    b.counter("sonde_rule_evaluation_failures_total",
              "The total number of rule evaluation failures.", l,
              static_cast<double>(g->counters.failures));
    b.counter("sonde_rule_group_iterations_missed_total",
              "The total number of rule group evaluations missed due to slow rule group "
              "evaluation.",
              l, static_cast<double>(g->counters.iterations_missed));
  }
  const auto st = history_.stats();
  b.gauge("sonde_rule_history_series", "Series held in the rule history.", {},
          static_cast<double>(st.series));
  b.gauge("sonde_rule_history_samples", "Samples held in the rule history.", {},
          static_cast<double>(st.samples));
  b.gauge("sonde_rule_history_bytes", "Memory held by the rule history, in bytes.", {},
          static_cast<double>(st.bytes));
  b.counter("sonde_rule_history_series_refused_total",
            "New series the rule history refused because it held rules.max_history_series.", {},
            static_cast<double>(st.series_refused));
  b.counter("sonde_rule_history_samples_rejected_total",
            "Samples the rule history did not take, by reason.", {{"reason", "out_of_order"}},
            static_cast<double>(st.samples_out_of_order));
  b.counter("sonde_rule_history_samples_rejected_total",
            "Samples the rule history did not take, by reason.", {{"reason", "unparsable_series"}},
            static_cast<double>(st.series_unparsable));
  b.counter("sonde_rule_state_restore_failures_total",
            "State files that could not be restored (moved aside as .corrupt).", {},
            static_cast<double>(restore_failures_));
  b.counter("sonde_rule_state_write_failures_total", "Failed writes of the alert state file.", {},
            static_cast<double>(write_failures_));
  b.counter("sonde_rule_group_load_failures_total",
            "Rule file loads that failed (the file's previous groups kept running).", {},
            static_cast<double>(load_failures_));
  board_.publish(kBoardSource, std::make_shared<const core::Snapshot>(b.take()), 0, core::ok());
}

}  // namespace sonde::rules
