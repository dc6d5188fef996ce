// The rule manager: loads rule groups (keeping a file's previous groups when it no longer
// loads), feeds the history from the board (each published snapshot once, at its collection
// time; the live sources, ingest among them, cut once an evaluation interval, with
// `up{instance,job} 1`), evaluates due groups at their slots (Prometheus's offset from a hash,
// missed iterations skipped and counted), and publishes recorded series, ALERTS,
// ALERTS_FOR_STATE and its own sonde_rule_* metrics as the board source "rules". Runs on its own
// thread, never on the HTTP or collector threads; step() is the same pass driven by a test clock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/board.hpp"
#include "core/clock.hpp"
#include "core/options.hpp"
#include "core/rate_limit.hpp"
#include "rules/api.hpp"
#include "rules/group.hpp"
#include "rules/history/history.hpp"
#include "rules/notify/payload.hpp"
#include "rules/options.hpp"
#include "rules/rule_file_spec.hpp"
#include "rules/state_file.hpp"

namespace sonde::rules {

/// What the manager needs besides RulesOptions, resolved by daemon/.
struct ManagerSettings {
  RulesOptions rules;
  core::LabelPairs series_labels;    // global.series_labels with the defaults filled in
  core::LabelPairs external_labels;  // global.external_labels
  std::string external_url;          // web.external_url with the default filled in
  bool operator==(const ManagerSettings&) const = default;
};

/// One rule file as daemon/ loaded it.
struct RuleFileInput {
  std::string path;
  std::optional<RuleFileSpec> spec;  // null: it did not load (`errors` say why)
  std::vector<std::string> errors;
};

/// The name the manager publishes under on the board (and leaves out of its own history).
inline constexpr const char* kBoardSource = "rules";

class Manager {
 public:
  Manager(core::Board& board, const core::Clock& clock);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  /// Applies settings and rule files (at start and on every reload), as Prometheus's
  /// Manager.Update but per file: a file that loads replaces its groups (unchanged groups keep
  /// running untouched, changed ones take their predecessor's state with CopyState); a file that
  /// does not load keeps its previous groups, its errors are logged and counted in
  /// sonde_rule_group_load_failures_total. Returns the number of files that failed. Waits for a
  /// running evaluation to finish.
  std::size_t update(const ManagerSettings& settings, const std::vector<RuleFileInput>& files);

  /// Starts the evaluation thread (idempotent); stop() joins it. The first start anchors each
  /// group's schedule to its first slot after now (the daemon starts the rules once every source
  /// has published once: no evaluation is at a time before that).
  void start();
  void stop();

  /// One pass at `now_ms`: feed the history from the board, evaluate the groups that are due,
  /// trim the history and publish. Returns when the next pass is due. Thread-safe (the thread
  /// calls it; tests call it with their own clock and no thread).
  std::int64_t step(std::int64_t now_ms);

  /// For tests and the APIs: the groups' state, read under the manager's lock.
  template <class F>
  void visit_groups(F&& f) const {
    std::lock_guard lock(mu_);
    for (const auto& [key, g] : groups_) f(*g);
  }
  /// The groups as the APIs show them, as of the last pass that evaluated (or the last load):
  /// taken without waiting for a running evaluation.
  std::shared_ptr<const ApiView> api_view() const {
    std::lock_guard lock(api_mu_);
    return api_view_;
  }
  history::HistoryStats history_stats() const { return history_.stats(); }
  /// Where alerts go after each evaluation of their group (Prometheus's NotifyFunc): firing
  /// alerts every resend_delay, resolved ones at once and then every resend_delay while they are
  /// kept (15 minutes), never pending ones. Called on the evaluation thread under the
  /// manager's lock: it must only queue. Set before start().
  using AlertSink = std::function<void(std::vector<notify::Notification>)>;
  void set_alert_sink(AlertSink sink);
  /// Replaces the file operations of the state file (tests inject failures).
  void set_file_steps(std::unique_ptr<FileSteps> steps);
  std::uint64_t load_failures() const;
  std::size_t group_count() const;

 private:
  void run();
  void feed_locked(std::int64_t now_ms);
  void publish_locked();
  void configure_history_locked();
  /// Reads `rules.state_file` once, at the first update(), and applies it (restore_locked).
  void load_state_locked(std::int64_t now_ms);
  void restore_locked(const SavedState& saved, std::int64_t now_ms);
  void save_state_locked(std::int64_t now_ms);
  void refresh_api_view_locked();
  void send_alerts_locked(Group& g, std::int64_t ts);

  core::Board& board_;
  const core::Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;

  ManagerSettings settings_;
  promql::Engine engine_;
  history::History history_;
  EvalContext ctx_;
  std::map<std::string, std::unique_ptr<Group>> groups_;  // by key "<file>;<name>"
  /// Series of groups removed by a reload, marked stale at the next pass.
  std::vector<promql::Labels> stale_series_;
  std::map<std::string, std::uint64_t> fed_;  // published source -> attempts appended
  std::int64_t next_live_ms_ = 0;
  std::uint64_t load_failures_ = 0;
  std::uint64_t iterations_ = 0;
  std::unique_ptr<FileSteps> file_steps_ = std::make_unique<FileSteps>();
  bool state_loaded_ = false;        // the first update() has read the state file
  std::int64_t restored_at_ms_ = 0;  // when restore_locked ran
  bool started_ = false;             // start() has anchored the groups' slots
  bool state_active_ = false;        // the last write held an active alert
  std::uint64_t restore_failures_ = 0;
  std::uint64_t write_failures_ = 0;
  core::RateLimitedLog log_;
  AlertSink sink_;
  mutable std::mutex api_mu_;  // guards api_view_ only
  std::shared_ptr<const ApiView> api_view_ = std::make_shared<const ApiView>();
};

}  // namespace sonde::rules
