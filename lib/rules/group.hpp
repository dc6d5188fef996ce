// Rule groups with Prometheus 2.42's semantics (rules/manager.go, alerting.go, recording.go,
// written anew): the rules of a group are evaluated in order at one timestamp, each seeing what
// the rules before it wrote; recording rules rename and relabel their result; alerting rules
// step each alert inactive -> pending -> firing -> inactive with `for`, `keep_firing_for` and the
// group's `limit`, and produce ALERTS / ALERTS_FOR_STATE. Time is an input: nothing here reads a
// clock except to time an evaluation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "rules/history/history.hpp"
#include "rules/promql/engine.hpp"
#include "rules/rule_file_spec.hpp"
#include "rules/template/template.hpp"

namespace sonde::rules {

enum class AlertState { inactive, pending, firing };
/// "inactive", "pending", "firing".
const char* state_name(AlertState s);

/// One alert of an alerting rule (Prometheus's rules.Alert). Times in ms since the epoch; 0 =
/// unset.
struct Alert {
  AlertState state = AlertState::pending;
  promql::Labels labels;  // identifying: the result's labels, the rule's labels, alertname
  std::vector<std::pair<std::string, std::string>> annotations;  // sorted by name
  double value = 0;
  std::int64_t active_at_ms = 0;
  std::int64_t fired_at_ms = 0;
  std::int64_t resolved_at_ms = 0;
  std::int64_t keep_firing_since_ms = 0;
  /// When it was last handed to the notifiers, and the endsAt sent with a firing state
  /// (Prometheus's LastSentAt and ValidUntil).
  std::int64_t last_sent_at_ms = 0;
  std::int64_t valid_until_ms = 0;
};

/// How long a resolved alert is kept (so it can be reported resolved): Prometheus's 15 minutes.
inline constexpr std::int64_t kResolvedRetentionMs = 15 * 60 * 1000;

enum class RuleHealth { unknown, ok, err };
const char* health_name(RuleHealth h);

/// What a group's evaluation needs from around it.
struct EvalContext {
  history::History* history = nullptr;
  const promql::Engine* engine = nullptr;
  tmpl::Labels external_labels;
  std::string external_url;
};

/// A compiled rule and its state.
class Rule {
 public:
  /// Compiles a rule that lib/rules' validate() accepted (its expression parses, its templates
  /// parse); an error otherwise.
  static core::Result<Rule> compile(const RuleSpec& spec);

  bool alerting() const { return alerting_; }
  const std::string& name() const { return name_; }
  const promql::Expr& expr() const { return *expr_; }
  const std::string& expr_text() const { return expr_text_; }
  /// The parsed expression printed as Prometheus prints it (/api/v1/rules' `query`), once.
  const std::string& query() const { return query_; }
  std::int64_t for_ms() const { return for_ms_; }
  std::int64_t keep_firing_for_ms() const { return keep_firing_for_ms_; }
  /// The rule's labels, sorted by name (templates, for an alerting rule, unexpanded).
  const promql::Labels& labels() const { return labels_; }
  const std::vector<std::pair<std::string, std::string>>& annotations() const {
    return annotations_;
  }
  /// Name and labels: how CopyState matches rules across a reload.
  std::string identity() const;
  /// Everything that defines the rule (Prometheus compares rule.String()): equal texts mean an
  /// unchanged rule.
  std::string definition() const;

  /// Evaluates at `t_ms`: the samples to write (the recorded series; ALERTS and ALERTS_FOR_STATE)
  /// or the error Prometheus would give. `limit` is the group's (0: none).
  core::Result<promql::Vector> eval(std::int64_t t_ms, const EvalContext& ctx, std::int64_t limit);

  RuleHealth health = RuleHealth::unknown;
  std::string last_error;
  std::int64_t last_eval_ms = 0;  // time of the last evaluation (its evaluation timestamp)
  double last_duration_seconds = 0;
  /// Alerts by the hash of their labels (alerting rules).
  std::unordered_map<std::uint64_t, Alert> active;
  /// What the last evaluation wrote, by labels hash: the series to mark stale when they vanish.
  std::unordered_map<std::uint64_t, promql::Labels> series_in_previous_eval;
  /// Whether ALERTS_FOR_STATE and ALERTS are written (Prometheus's `restored`).
  bool restored = true;
  /// Until then, alerts restored from the state file are not resolved for being absent from the
  /// result: the history does not yet cover the rule's ranges (warm-up after a start).
  std::int64_t hold_resolve_until_ms = 0;

 private:
  core::Result<promql::Vector> query(std::int64_t t_ms, const EvalContext& ctx) const;
  core::Result<promql::Vector> eval_recording(std::int64_t t_ms, const EvalContext& ctx,
                                              std::int64_t limit);
  core::Result<promql::Vector> eval_alerting(std::int64_t t_ms, const EvalContext& ctx,
                                             std::int64_t limit);

  bool alerting_ = false;
  std::string name_;
  std::string expr_text_;
  std::string query_;
  std::shared_ptr<const promql::Expr> expr_;
  std::int64_t for_ms_ = 0;
  std::int64_t keep_firing_for_ms_ = 0;
  promql::Labels labels_;
  std::vector<std::pair<std::string, std::string>> annotations_;
  // Parsed templates of an alerting rule's labels and annotations (same order as above).
  std::vector<tmpl::Template> label_templates_;
  std::vector<tmpl::Template> annotation_templates_;
};

/// Counters of a group that carry across reloads.
struct GroupCounters {
  std::uint64_t evaluations = 0;  // rule evaluations
  std::uint64_t failures = 0;
  std::uint64_t iterations_missed = 0;
};

class Group {
 public:
  Group(std::string file, std::string name, std::int64_t interval_ms, std::int64_t limit,
        std::vector<Rule> rules);

  const std::string& file() const { return file_; }
  const std::string& name() const { return name_; }
  /// Prometheus's group key and the `rule_group` label: "<file>;<name>".
  std::string key() const { return file_ + ";" + name_; }
  std::int64_t interval_ms() const { return interval_ms_; }
  std::int64_t limit() const { return limit_; }
  std::vector<Rule>& rules() { return rules_; }
  const std::vector<Rule>& rules() const { return rules_; }

  /// Prometheus's Group.Equals: same name, file, interval, limit and rule definitions.
  bool equals(const Group& o) const;
  /// Prometheus's CopyState: evaluation times, alerts and last series of rules matched by name
  /// and labels (the n-th duplicate with the n-th); series of rules that are gone are marked
  /// stale at the next evaluation.
  void copy_state(Group& from);

  /// The slot of `now_ms`: the latest time <= now_ms that is the group's offset (from a hash of
  /// file and name, as Prometheus spreads groups) plus a multiple of its interval.
  std::int64_t eval_timestamp(std::int64_t now_ms) const;

  /// Evaluates every rule in order at `t_ms`, writing results (and staleness markers for series
  /// that vanished) to the history between rules. `log` receives each failure.
  void eval(std::int64_t t_ms, const EvalContext& ctx,
            const std::function<void(const Rule&, const std::string&)>& log);

  /// What the last evaluation produced per rule (for /metrics), in rule order.
  const std::vector<promql::Vector>& last_output() const { return last_output_; }
  /// Series to mark stale at the next evaluation (rules removed by a reload).
  std::vector<promql::Labels>& stale_series() { return stale_series_; }

  GroupCounters counters;
  std::int64_t last_eval_ms = 0;  // wall clock of the last evaluation's start
  double last_duration_seconds = 0;
  /// The evaluating thread's CPU time in the last evaluation (load on the machine disturbs it
  /// less than the wall clock of last_duration_seconds; bench/rules_eval_bench reports it).
  double last_cpu_seconds = 0;
  std::size_t last_samples = 0;
  std::int64_t next_eval_ms = 0;  // scheduling (the manager's)

 private:
  std::string file_;
  std::string name_;
  std::int64_t interval_ms_;
  std::int64_t limit_;
  std::vector<Rule> rules_;
  std::vector<promql::Vector> last_output_;
  std::vector<promql::Labels> stale_series_;
};

/// How far back the rules' selectors look from their evaluation time (ranges, offsets,
/// subqueries, plus the 5-minute lookback of instant selectors), and every selector's matchers
/// with how far back that selector reads.
struct RuleNeeds {
  std::int64_t lookback_ms = 0;
  history::Selectors selectors;
  std::vector<std::int64_t> reach_ms;  // by selector
};
void add_needs(const promql::Expr& e, RuleNeeds& out);

}  // namespace sonde::rules
