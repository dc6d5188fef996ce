// The snapshot board: the latest snapshot of every source, and each component's state. Sources
// publish; /metrics, /health, /ready and the rule engine read. Nothing that reads ever waits on
// /proc, NVML or a socket: a read copies shared pointers under a short lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"

namespace sonde::core {

enum class ComponentKind : std::uint8_t { collector, listener, other };
enum class ComponentState : std::uint8_t { pending, ok, failing, unavailable };

std::string_view kind_name(ComponentKind k);
std::string_view state_name(ComponentState s);

struct ComponentStatus {
  std::string name;
  ComponentKind kind = ComponentKind::other;
  ComponentState state = ComponentState::pending;
  bool counts_for_ready = true;
  std::uint64_t attempts = 0;
  double last_duration_seconds = 0;
  std::chrono::system_clock::time_point last_attempt{};
  std::string last_error;
};

/// Thread-safe. Snapshots handed in must not be modified afterwards.
class Board {
 public:
  explicit Board(const Clock& clock = SystemClock::instance());

  /// Registers a component. Until the board has been ready once, a collector that
  /// `counts_for_ready` holds /ready at 503 until its first attempt, a listener until it is
  /// marked ok; once ready, the board stays ready (components a reload adds do not undo it).
  /// Declaring an existing name of the same kind (a reload) keeps its snapshot and state until its
  /// next attempt; of another kind, resets it.
  void declare(std::string name, ComponentKind kind, bool counts_for_ready = true);
  /// Forgets a component and its snapshot (a collector disabled by a reload).
  void remove(std::string_view name);

  /// Publishes a collector's attempt: on success its snapshot replaces the previous one; on
  /// failure its series are dropped (never frozen) and the state says failing.
  void publish(std::string_view name, SnapshotPtr snapshot, double duration_seconds,
               const Status& status);
  /// Sets a non-collector component's state (a listener that has bound: ok).
  void set_state(std::string_view name, ComponentState state, std::string error = {});

  /// A source computed when a reader asks (the aggregator, the wall clock, self-metrics). The
  /// function must be cheap, thread-safe and never block on I/O.
  void add_live(std::string name, std::function<void(SnapshotBuilder&)> fn);
  void remove_live(std::string_view name);

  /// Every snapshot a reader should see now: published ones, node_scrape_collector_* and the
  /// live sources.
  std::vector<SnapshotPtr> gather() const;

  /// A source's latest snapshot as a reader that keeps a history sees it: the snapshot (null when
  /// the last attempt failed), when it was taken and how many attempts there have been (a new
  /// attempt changes the count).
  struct SourceSnapshot {
    std::string name;
    SnapshotPtr snapshot;
    std::chrono::system_clock::time_point at{};
    std::uint64_t attempts = 0;
  };
  /// Every published (not live) source that has made an attempt. Runs no live source.
  std::vector<SourceSnapshot> published() const;
  /// Runs every live source except those named in `exclude`, each into its own snapshot (taken
  /// now), plus node_scrape_collector_* as the source "node_scrape".
  std::vector<SourceSnapshot> cut_live(const std::vector<std::string>& exclude) const;

  /// While held (start-up declares its components one by one, and a collector may finish before
  /// the next is declared), the board is not ready. Holds nest; the last release may complete
  /// readiness.
  void hold_ready();
  void release_ready();

  bool ready() const;
  /// f runs once, on the thread that completes readiness (or at once if already ready).
  void on_ready(std::function<void()> f);

  std::vector<ComponentStatus> components() const;

  /// Changes whenever what gather() returns may change other than by the live sources' own
  /// values: a publish, a state change, a component or live source added or removed. Readers
  /// that share a rendering of the board (concurrent /metrics scrapes) key it on this.
  std::uint64_t generation() const;

 private:
  struct Entry {
    ComponentStatus status;
    SnapshotPtr snapshot;
  };
  /// What a computed source's last run leaves for the next: its builder and, when no reader holds
  /// it any more, its last snapshot's storage to fill again (board.cpp).
  struct Spare;
  struct Live;
  bool ready_locked() const;
  void check_ready_and_notify(std::unique_lock<std::mutex>& lock);

  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::map<std::string, std::shared_ptr<Live>, std::less<>> live_;
  std::shared_ptr<Spare> meta_;  // node_scrape_collector_*
  std::vector<std::function<void()>> ready_callbacks_;
  bool was_ready_ = false;
  int holds_ = 0;
  std::uint64_t generation_ = 0;  // under mu_
};

}  // namespace sonde::core
