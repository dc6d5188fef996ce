#include "rules/manager.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>

namespace sonde::rules {

using promql::Labels;

namespace {

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
  engine_ = promql::Engine(settings.rules.engine);
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
  std::size_t rules = 0;
  for (const auto& [key, g] : groups_) rules += g->rules().size();
  spdlog::info("rules: {} group(s), {} rule(s) from {} file(s); history keeps {} s", groups_.size(),
               rules, files.size(), history_.retention_ms() / 1000);
  woken_ = true;
  cv_.notify_all();
  return failed;
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
  history_.set_selectors(std::move(needs.selectors));
}

void Manager::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
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
  for (auto& [key, g] : groups_) {
    if (now_ms >= g->next_eval_ms) {
      const std::int64_t missed = (now_ms - g->next_eval_ms) / g->interval_ms();
      if (missed > 0) g->counters.iterations_missed += static_cast<std::uint64_t>(missed);
      const std::int64_t ts = g->next_eval_ms + missed * g->interval_ms();
      const auto t0 = std::chrono::steady_clock::now();
      g->last_eval_ms = to_ms(clock_.now());
      g->eval(ts, ctx_, [this, &g = *g](const Rule& r, const std::string& err) {
        log_.warn(g.key() + ";" + r.name(), [&] {
          return "rules: group " + g.key() + ", rule " + r.name() + ": evaluating failed: " + err;
        });
      });
      g->last_duration_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      g->next_eval_ms = ts + g->interval_ms();
    }
    next = std::min(next, g->next_eval_ms);
  }
  if (!groups_.empty()) next = std::min(next, std::max(next_live_ms_, now_ms + 1));
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
  b.counter("sonde_rule_group_load_failures_total",
            "Rule file loads that failed (the file's previous groups kept running).", {},
            static_cast<double>(load_failures_));
  board_.publish(kBoardSource, std::make_shared<const core::Snapshot>(b.take()), 0, core::ok());
}

}  // namespace sonde::rules
