#include "rules/group.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_set>

#include "rules/promql/ast.hpp"
#include "rules/promql/parser.hpp"

namespace sonde::rules {

using promql::Labels;

const char* state_name(AlertState s) {
  switch (s) {
    case AlertState::inactive:
      return "inactive";
    case AlertState::pending:
      return "pending";
    case AlertState::firing:
      return "firing";
  }
  return "inactive";
}

const char* health_name(RuleHealth h) {
  switch (h) {
    case RuleHealth::unknown:
      return "unknown";
    case RuleHealth::ok:
      return "ok";
    case RuleHealth::err:
      return "err";
  }
  return "unknown";
}

namespace {

tmpl::Labels to_map(const Labels& l) {
  tmpl::Labels m;
  for (const auto& p : l) m.emplace(p.name, p.value);
  return m;
}

/// Builds a label set in one allocation: `base` (without __name__ when `drop_name`), then each
/// (name, value) of `sets` in order (an empty value removes the label).
class LabelBuilder {
 public:
  LabelBuilder(const Labels& base, bool drop_name) {
    v_.reserve(base.size() + 4);
    for (const auto& p : base) {
      if (!drop_name || p.name != promql::kMetricName) v_.push_back(p);
    }
  }
  void set(std::string_view name, std::string_view value) {
    auto it = std::find_if(v_.begin(), v_.end(), [&](const auto& l) { return l.name == name; });
    if (value.empty()) {
      if (it != v_.end()) v_.erase(it);
    } else if (it != v_.end()) {
      it->value = value;
    } else {
      v_.push_back({std::string(name), std::string(value)});
    }
  }
  Labels take() { return Labels(std::move(v_)); }

 private:
  std::vector<promql::Label> v_;
};

std::string pairs_text(const std::vector<std::pair<std::string, std::string>>& p) {
  std::string out = "{";
  for (const auto& [k, v] : p) out += k + "=" + promql::go_quote(v) + ",";
  return out + "}";
}

}  // namespace

core::Result<Rule> Rule::compile(const RuleSpec& spec) {
  Rule r;
  r.alerting_ = !spec.alert.value.empty();
  r.name_ = r.alerting_ ? spec.alert.value : spec.record.value;
  r.expr_text_ = spec.expr.value;
  auto e = promql::parse(spec.expr.value);
  if (!e.ok()) return core::error("could not parse expression: " + e.error().to_string());
  r.expr_ = std::shared_ptr<const promql::Expr>(std::move(e.value()));
  r.query_ = r.expr_->to_string();
  r.for_ms_ = spec.for_duration.count();
  r.keep_firing_for_ms_ = spec.keep_firing_for.count();
  std::vector<promql::Label> labels;
  for (const auto& p : spec.labels) labels.push_back({p.name.value, p.value.value});
  r.labels_ = Labels(std::move(labels));
  for (const auto& p : spec.annotations) r.annotations_.emplace_back(p.name.value, p.value.value);
  std::sort(r.annotations_.begin(), r.annotations_.end());
  if (r.alerting_) {
    for (const auto& l : r.labels_) {
      auto t = tmpl::parse_alert_template(r.name_, l.value);
      if (!t.ok()) return core::error("label " + l.name + ": " + t.message());
      r.label_templates_.push_back(std::move(*t));
    }
    for (const auto& a : r.annotations_) {
      auto t = tmpl::parse_alert_template(r.name_, a.second);
      if (!t.ok()) return core::error("annotation " + a.first + ": " + t.message());
      r.annotation_templates_.push_back(std::move(*t));
    }
  }
  return r;
}

std::string Rule::identity() const { return name_ + labels_.to_string(); }

std::string Rule::definition() const {
  return std::string(alerting_ ? "alert:" : "record:") + name_ + "\nexpr:" + query_ +
         "\nfor:" + std::to_string(for_ms_) +
         "\nkeep_firing_for:" + std::to_string(keep_firing_for_ms_) +
         "\nlabels:" + labels_.to_string() + "\nannotations:" + pairs_text(annotations_);
}

core::Result<promql::Vector> Rule::query(std::int64_t t_ms, const EvalContext& ctx) const {
  auto q = ctx.history->querier();
  auto v = ctx.engine->instant(q, *expr_, t_ms);
  if (!v.ok()) return core::error(v.error().message);
  if (auto* vec = std::get_if<promql::Vector>(&*v)) return std::move(*vec);
  if (auto* s = std::get_if<promql::Scalar>(&*v)) {
    return promql::Vector{promql::Sample{Labels(), promql::Point{s->t, s->v}}};
  }
  return core::error("rule result is not a vector or scalar");
}

core::Result<promql::Vector> Rule::eval(std::int64_t t_ms, const EvalContext& ctx,
                                        std::int64_t limit) {
  return alerting_ ? eval_alerting(t_ms, ctx, limit) : eval_recording(t_ms, ctx, limit);
}

core::Result<promql::Vector> Rule::eval_recording(std::int64_t t_ms, const EvalContext& ctx,
                                                  std::int64_t limit) {
  auto res = query(t_ms, ctx);
  if (!res.ok()) return res;
  promql::Vector vec = std::move(*res);
  std::unordered_set<std::uint64_t> seen;
  for (auto& s : vec) {
    LabelBuilder lb(s.metric, false);
    lb.set(promql::kMetricName, name_);
    for (const auto& l : labels_) lb.set(l.name, l.value);
    s.metric = lb.take();
    if (!seen.insert(s.metric.hash()).second) {
      return core::error(
          "vector contains metrics with the same labelset after applying rule labels");
    }
  }
  if (limit > 0 && static_cast<std::int64_t>(vec.size()) > limit) {
    return core::error("exceeded limit of " + std::to_string(limit) + " with " +
                       std::to_string(vec.size()) + " series");
  }
  return vec;
}

core::Result<promql::Vector> Rule::eval_alerting(std::int64_t t_ms, const EvalContext& ctx,
                                                 std::int64_t limit) {
  auto res = query(t_ms, ctx);
  if (!res.ok()) return res;
  // Templates' `query` runs at the evaluation's time on the history as it is now.
  tmpl::Context tctx;
  tctx.external_url = ctx.external_url;
  tctx.query = [&ctx, t_ms](std::string_view q) -> core::Result<std::vector<tmpl::Sample>> {
    auto querier = ctx.history->querier();
    auto v = ctx.engine->instant(querier, q, t_ms);
    if (!v.ok()) return core::error(v.error().to_string());
    std::vector<tmpl::Sample> out;
    if (auto* vec = std::get_if<promql::Vector>(&*v)) {
      for (const auto& s : *vec) out.push_back({to_map(s.metric), s.point.v, s.point.t});
    } else if (auto* sc = std::get_if<promql::Scalar>(&*v)) {
      out.push_back({{}, sc->v, sc->t});
    } else {
      return core::error("rule result is not a vector or scalar");
    }
    return out;
  };

  std::unordered_map<std::uint64_t, Alert> alerts;
  for (const auto& smpl : *res) {
    tmpl::AlertData data{to_map(smpl.metric), ctx.external_labels, ctx.external_url, smpl.point.v};
    LabelBuilder lb(smpl.metric, true);
    std::size_t i = 0;
    for (const auto& l : labels_) {
      auto out = tmpl::execute(label_templates_[i++], data, tctx);
      lb.set(l.name, out.ok() ? *out
                              : "<error expanding template: error executing template " +
                                    tmpl::alert_template_name(name_) + ": " + out.message() + ">");
    }
    lb.set("alertname", name_);
    Alert a;
    i = 0;
    for (const auto& an : annotations_) {
      auto out = tmpl::execute(annotation_templates_[i++], data, tctx);
      a.annotations.emplace_back(
          an.first, out.ok() ? *out
                             : "<error expanding template: error executing template " +
                                   tmpl::alert_template_name(name_) + ": " + out.message() + ">");
    }
    a.labels = lb.take();
    const std::uint64_t h = a.labels.hash();
    if (alerts.count(h) != 0) {
      return core::error(
          "vector contains metrics with the same labelset after applying alert labels");
    }
    a.active_at_ms = t_ms;
    a.state = AlertState::pending;
    a.value = smpl.point.v;
    alerts.emplace(h, std::move(a));
  }

  for (auto& [h, a] : alerts) {
    auto it = active.find(h);
    if (it != active.end() && it->second.state != AlertState::inactive) {
      it->second.value = a.value;
      it->second.annotations = std::move(a.annotations);
      continue;
    }
    spdlog::info("rules: alert {} {} pending (value {})", name_, a.labels.to_string(), a.value);
    active.insert_or_assign(h, std::move(a));
  }

  promql::Vector vec;
  std::int64_t active_pending = 0;
  for (auto it = active.begin(); it != active.end();) {
    Alert& a = it->second;
    const bool warming_up = t_ms < hold_resolve_until_ms && a.state != AlertState::inactive;
    if (alerts.count(it->first) == 0 && !warming_up) {
      bool keep_firing = false;
      if (a.state == AlertState::firing && keep_firing_for_ms_ > 0) {
        if (a.keep_firing_since_ms == 0) a.keep_firing_since_ms = t_ms;
        if (t_ms - a.keep_firing_since_ms < keep_firing_for_ms_) keep_firing = true;
      }
      const bool remove = a.state == AlertState::pending ||
                          (a.resolved_at_ms != 0 && t_ms - a.resolved_at_ms > kResolvedRetentionMs);
      if (a.state != AlertState::inactive && !keep_firing) {
        spdlog::info("rules: alert {} {} {}", name_, a.labels.to_string(),
                     a.state == AlertState::firing ? "resolved" : "pending ended, not fired");
        a.state = AlertState::inactive;
        a.resolved_at_ms = t_ms;
      }
      if (remove) {
        it = active.erase(it);
        continue;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else if (alerts.count(it->first) != 0) {
      a.keep_firing_since_ms = 0;
    }
    ++active_pending;
    if (a.state == AlertState::pending && t_ms - a.active_at_ms >= for_ms_) {
      a.state = AlertState::firing;
      a.fired_at_ms = t_ms;
      spdlog::info("rules: alert {} {} firing (value {})", name_, a.labels.to_string(), a.value);
    }
    if (restored) {
      LabelBuilder s(labels_, false);
      for (const auto& l : a.labels) s.set(l.name, l.value);
      LabelBuilder f = s;
      s.set(promql::kMetricName, "ALERTS");
      s.set("alertname", name_);
      s.set("alertstate", state_name(a.state));
      vec.push_back(promql::Sample{s.take(), promql::Point{t_ms, 1}});
      f.set(promql::kMetricName, "ALERTS_FOR_STATE");
      f.set("alertname", name_);
      // float64(ActiveAt.Unix()): whole seconds, rounded down.
      const double since = std::floor(static_cast<double>(a.active_at_ms) / 1000.0);
      vec.push_back(promql::Sample{f.take(), promql::Point{t_ms, since}});
    }
    ++it;
  }
  if (limit > 0 && active_pending > limit) {
    active.clear();
    return core::error("exceeded limit of " + std::to_string(limit) + " with " +
                       std::to_string(active_pending) + " alerts");
  }
  return vec;
}

Group::Group(std::string file, std::string name, std::int64_t interval_ms, std::int64_t limit,
             std::vector<Rule> rules)
    : file_(std::move(file)),
      name_(std::move(name)),
      interval_ms_(interval_ms),
      limit_(limit),
      rules_(std::move(rules)),
      last_output_(rules_.size()) {}

bool Group::equals(const Group& o) const {
  if (name_ != o.name_ || file_ != o.file_ || interval_ms_ != o.interval_ms_ ||
      limit_ != o.limit_ || rules_.size() != o.rules_.size()) {
    return false;
  }
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].definition() != o.rules_[i].definition()) return false;
  }
  return true;
}

void Group::copy_state(Group& from) {
  last_eval_ms = from.last_eval_ms;
  last_duration_seconds = from.last_duration_seconds;
  counters = from.counters;
  std::unordered_map<std::string, std::vector<std::size_t>> by_identity;
  for (std::size_t i = 0; i < from.rules_.size(); ++i) {
    by_identity[from.rules_[i].identity()].push_back(i);
  }
  std::vector<bool> used(from.rules_.size(), false);
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    auto& idx = by_identity[rules_[i].identity()];
    if (idx.empty()) continue;
    const std::size_t fi = idx.front();
    idx.erase(idx.begin());
    used[fi] = true;
    Rule& r = rules_[i];
    Rule& fr = from.rules_[fi];
    r.series_in_previous_eval = fr.series_in_previous_eval;
    last_output_[i] = from.last_output_[fi];
    if (r.alerting() && fr.alerting()) {
      for (auto& [h, a] : fr.active) r.active[h] = a;
    }
  }
  stale_series_ = from.stale_series_;
  for (std::size_t fi = 0; fi < from.rules_.size(); ++fi) {
    if (used[fi]) continue;
    for (const auto& [h, l] : from.rules_[fi].series_in_previous_eval) stale_series_.push_back(l);
  }
}

std::int64_t Group::eval_timestamp(std::int64_t now_ms) const {
  // FNV-1a over file and name: the same slot across restarts (Prometheus hashes them too).
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::string_view s) {
    for (const unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  mix(file_);
  mix(name_);
  const auto interval = static_cast<std::uint64_t>(interval_ms_);
  const auto offset = static_cast<std::int64_t>(h % interval);
  const std::int64_t adj = now_ms - offset;
  std::int64_t base = adj - (adj % interval_ms_);
  if (adj % interval_ms_ < 0) base -= interval_ms_;
  return base + offset;
}

void Group::eval(std::int64_t t_ms, const EvalContext& ctx,
                 const std::function<void(const Rule&, const std::string&)>& log) {
  std::size_t samples = 0;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    Rule& rule = rules_[i];
    const auto start = std::chrono::steady_clock::now();
    // The evaluation's own time, from the manager's clock (Prometheus takes time.Now() at the
    // rule's start, which differs from it only by scheduling delay): no wall clock in lib/rules.
    rule.last_eval_ms = t_ms;
    ++counters.evaluations;
    auto res = rule.eval(t_ms, ctx, limit_);
    rule.last_duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!res.ok()) {
      rule.health = RuleHealth::err;
      rule.last_error = res.message();
      ++counters.failures;
      last_output_[i].clear();
      if (log) log(rule, res.message());
      continue;
    }
    rule.health = RuleHealth::ok;
    rule.last_error.clear();
    samples += res->size();
    std::unordered_map<std::uint64_t, Labels> returned;
    for (const auto& s : *res) {
      ctx.history->append(s.metric, t_ms, s.point.v);
      returned.emplace(s.metric.hash(), s.metric);
    }
    for (const auto& [h, l] : rule.series_in_previous_eval) {
      if (returned.count(h) == 0) ctx.history->append(l, t_ms, promql::stale_nan());
    }
    rule.series_in_previous_eval = std::move(returned);
    last_output_[i] = std::move(*res);
  }
  for (const auto& l : stale_series_) ctx.history->append(l, t_ms, promql::stale_nan());
  stale_series_.clear();
  last_samples = samples;
}

void add_needs(const promql::Expr& e, RuleNeeds& out) {
  using promql::NodeKind;
  struct Walk {
    RuleNeeds& out;
    // `back`: how far before the evaluation time this subtree is evaluated (offsets, subquery
    // ranges above it).
    void operator()(const promql::Expr& e, std::int64_t back) {
      switch (e.kind) {
        case NodeKind::vector_selector: {
          const auto& v = static_cast<const promql::VectorSelector&>(e);
          out.selectors.push_back(v.matchers);
          out.reach_ms.push_back(back + std::max<std::int64_t>(0, v.original_offset_ms) +
                                 promql::kLookbackDeltaMs);
          out.lookback_ms = std::max(out.lookback_ms, out.reach_ms.back());
          break;
        }
        case NodeKind::matrix_selector: {
          const auto& m = static_cast<const promql::MatrixSelector&>(e);
          out.selectors.push_back(m.vs().matchers);
          out.reach_ms.push_back(back + std::max<std::int64_t>(0, m.vs().original_offset_ms) +
                                 m.range_ms);
          out.lookback_ms = std::max(out.lookback_ms, out.reach_ms.back());
          break;
        }
        case NodeKind::subquery: {
          const auto& s = static_cast<const promql::SubqueryExpr&>(e);
          (*this)(*s.expr, back + std::max<std::int64_t>(0, s.original_offset_ms) + s.range_ms);
          break;
        }
        case NodeKind::paren:
          (*this)(*static_cast<const promql::ParenExpr&>(e).expr, back);
          break;
        case NodeKind::unary:
          (*this)(*static_cast<const promql::UnaryExpr&>(e).expr, back);
          break;
        case NodeKind::binary: {
          const auto& b = static_cast<const promql::BinaryExpr&>(e);
          (*this)(*b.lhs, back);
          (*this)(*b.rhs, back);
          break;
        }
        case NodeKind::aggregate: {
          const auto& a = static_cast<const promql::AggregateExpr&>(e);
          (*this)(*a.expr, back);
          if (a.param) (*this)(*a.param, back);
          break;
        }
        case NodeKind::call:
          for (const auto& arg : static_cast<const promql::Call&>(e).args) (*this)(*arg, back);
          break;
        case NodeKind::step_invariant:
          (*this)(*static_cast<const promql::StepInvariantExpr&>(e).expr, back);
          break;
        case NodeKind::number:
        case NodeKind::string:
          break;
      }
    }
  };
  Walk{out}(e, 0);
}

}  // namespace sonde::rules
