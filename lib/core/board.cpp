#include "core/board.hpp"

#include <malloc.h>

#include <algorithm>
#include <atomic>

namespace sonde::core {

std::string_view kind_name(ComponentKind k) {
  switch (k) {
    case ComponentKind::collector:
      return "collector";
    case ComponentKind::listener:
      return "listener";
    case ComponentKind::other:
      return "other";
  }
  return "other";
}

std::string_view state_name(ComponentState s) {
  switch (s) {
    case ComponentState::pending:
      return "pending";
    case ComponentState::ok:
      return "ok";
    case ComponentState::failing:
      return "failing";
    case ComponentState::unavailable:
      return "unavailable";
  }
  return "pending";
}

/// A source computed on every read (and node_scrape_collector_*) would otherwise build its
/// samples' strings, vectors and families anew each scrape and free them after it. Instead its
/// last snapshot is kept and, once no reader holds it (use_count 1), its storage is filled again
/// (SnapshotBuilder::recycle), as the collectors' scheduler does with theirs. Only small
/// snapshots are kept: a source of many series (the DogStatsD aggregator can hold 100,000) would
/// otherwise keep a second copy of them between scrapes.
struct Board::Spare {
  static constexpr std::size_t kMaxKeptSamples = 4096;
  /// A snapshot of this many samples gives its freed memory back to the kernel when its last
  /// reader lets go (trimmed_when_freed).
  static constexpr std::size_t kTrimAfterSamples = 16384;
  /// The free memory malloc_trim leaves at the heap's top: M_TRIM_THRESHOLD's (daemon/main.cpp),
  /// so that a scrape's gzip state and a collector cycle's snapshot are not faulted in again.
  static constexpr std::size_t kKeptHeapTop = 1024 * 1024;

  /// `s`, destroyed by a deleter that then calls malloc_trim. Each sample's series text past
  /// the small-string buffer is its own heap block (48 bytes for a 33-character DogStatsD
  /// series), so 100,000 ingest series leave ~4.8 MB of free chunks when a scrape's snapshot is
  /// freed; glibc gives back only the free memory at the heap's top, and the series admitted
  /// meanwhile (and the body's bookkeeping) sit above them. Those pages stayed resident between
  /// scrapes, ~47 B a series (docs/performance.md, "Target 5 again"). malloc_trim releases the
  /// whole pages inside free chunks (MADV_DONTNEED) wherever they are; the next large snapshot
  /// faults them in again (~1,200 minor faults for 100,000 series), which small sources never
  /// pay: they stay under kTrimAfterSamples.
  static std::shared_ptr<Snapshot> trimmed_when_freed(Snapshot&& s) {
    auto owned = std::make_unique<Snapshot>(std::move(s));
    return {owned.release(), [](Snapshot* p) {
              delete p;
              ::malloc_trim(kKeptHeapTop);
            }};
  }

  std::mutex mu;
  std::shared_ptr<Snapshot> last;
  std::unique_ptr<SnapshotBuilder> builder;

  /// A builder for one run, holding the last snapshot's storage when it is free. Concurrent runs
  /// (two scrapes at once) each get one; the second builds afresh.
  std::unique_ptr<SnapshotBuilder> acquire() {
    std::unique_ptr<SnapshotBuilder> b;
    std::shared_ptr<Snapshot> previous;
    {
      std::lock_guard lock(mu);
      b = std::move(builder);
      previous = std::move(last);
    }
    if (!b) b = std::make_unique<SnapshotBuilder>();
    // The fence orders the readers' last reads (their release of the count) before the writes.
    if (previous && previous.use_count() == 1) {
      std::atomic_thread_fence(std::memory_order_acquire);
      b->recycle(std::move(*previous));
    }
    return b;
  }

  /// The run's snapshot; the builder (and a small snapshot) are kept for the next run.
  SnapshotPtr finish(std::unique_ptr<SnapshotBuilder> b) {
    Snapshot taken = b->take();
    const std::size_t samples = taken.series_count();
    std::shared_ptr<Snapshot> snapshot = samples >= kTrimAfterSamples
                                             ? trimmed_when_freed(std::move(taken))
                                             : std::make_shared<Snapshot>(std::move(taken));
    const bool keep = samples <= kMaxKeptSamples;
    std::lock_guard lock(mu);
    if (!builder) builder = std::move(b);
    if (keep) last = snapshot;
    return snapshot;
  }
};

struct Board::Live {
  explicit Live(std::function<void(SnapshotBuilder&)> f) : fn(std::move(f)) {}
  std::function<void(SnapshotBuilder&)> fn;
  Spare spare;

  SnapshotPtr run() {
    std::unique_ptr<SnapshotBuilder> b = spare.acquire();
    fn(*b);
    return spare.finish(std::move(b));
  }
};

Board::Board(const Clock& clock) : clock_(clock), meta_(std::make_shared<Spare>()) {}

std::uint64_t Board::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

void Board::declare(std::string name, ComponentKind kind, bool counts_for_ready) {
  std::unique_lock lock(mu_);
  ++generation_;
  if (auto it = entries_.find(name); it != entries_.end() && it->second.status.kind == kind) {
    // Declared again by a reload: its last snapshot and attempts stay until the next attempt
    // replaces them, so a reload neither drops series for a moment nor turns /ready to 503.
    it->second.status.counts_for_ready = counts_for_ready;
    return;
  }
  Entry e;
  e.status.name = name;
  e.status.kind = kind;
  e.status.counts_for_ready = counts_for_ready;
  entries_.insert_or_assign(std::move(name), std::move(e));
}

void Board::remove(std::string_view name) {
  std::unique_lock lock(mu_);
  ++generation_;
  if (auto it = entries_.find(name); it != entries_.end()) entries_.erase(it);
  check_ready_and_notify(lock);
}

void Board::publish(std::string_view name, SnapshotPtr snapshot, double duration_seconds,
                    const Status& status) {
  std::unique_lock lock(mu_);
  ++generation_;
  auto it = entries_.find(name);
  if (it == entries_.end()) return;  // removed by a reload while the attempt ran
  Entry& e = it->second;
  e.status.attempts++;
  e.status.last_duration_seconds = duration_seconds;
  e.status.last_attempt = clock_.now();
  if (status.ok()) {
    e.snapshot = std::move(snapshot);
    e.status.state = ComponentState::ok;
    e.status.last_error.clear();
  } else {
    e.snapshot.reset();
    e.status.state = ComponentState::failing;
    e.status.last_error = status.message();
  }
  check_ready_and_notify(lock);
}

void Board::set_state(std::string_view name, ComponentState state, std::string error) {
  std::unique_lock lock(mu_);
  ++generation_;
  auto it = entries_.find(name);
  if (it == entries_.end()) return;
  it->second.status.state = state;
  it->second.status.last_error = std::move(error);
  check_ready_and_notify(lock);
}

void Board::add_live(std::string name, std::function<void(SnapshotBuilder&)> fn) {
  std::lock_guard lock(mu_);
  ++generation_;
  live_.insert_or_assign(std::move(name), std::make_shared<Live>(std::move(fn)));
}

void Board::remove_live(std::string_view name) {
  std::lock_guard lock(mu_);
  ++generation_;
  if (auto it = live_.find(name); it != live_.end()) live_.erase(it);
}

namespace {

void add_scrape_meta(SnapshotBuilder& meta, const std::string& name, const ComponentStatus& st) {
  if (st.kind != ComponentKind::collector || st.attempts == 0) return;
  const Label l[] = {{"collector", name}};
  meta.gauge("node_scrape_collector_duration_seconds", "sonde: Duration of a collector scrape.", l,
             st.last_duration_seconds);
  meta.gauge("node_scrape_collector_success", "sonde: Whether a collector succeeded.", l,
             st.state == ComponentState::ok ? 1.0 : 0.0);
}

}  // namespace

std::vector<Board::SourceSnapshot> Board::published() const {
  std::lock_guard lock(mu_);
  std::vector<SourceSnapshot> out;
  for (const auto& [name, e] : entries_) {
    if (e.status.attempts == 0) continue;
    out.push_back({name, e.snapshot, e.status.last_attempt, e.status.attempts});
  }
  return out;
}

std::vector<Board::SourceSnapshot> Board::cut_live(const std::vector<std::string>& exclude) const {
  std::vector<std::pair<std::string, std::shared_ptr<Live>>> live;
  std::unique_ptr<SnapshotBuilder> meta = meta_->acquire();
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, e] : entries_) add_scrape_meta(*meta, name, e.status);
    for (const auto& [name, l] : live_) {
      if (std::find(exclude.begin(), exclude.end(), name) == exclude.end()) {
        live.emplace_back(name, l);
      }
    }
  }
  const auto now = clock_.now();
  std::vector<SourceSnapshot> out;
  out.push_back({"node_scrape", meta_->finish(std::move(meta)), now, 0});
  // Live sources run outside the lock: they may take their own locks.
  for (const auto& [name, l] : live) out.push_back({name, l->run(), now, 0});
  return out;
}

std::vector<SnapshotPtr> Board::gather() const {
  std::vector<SnapshotPtr> out;
  std::vector<std::shared_ptr<Live>> live;
  std::unique_ptr<SnapshotBuilder> meta = meta_->acquire();
  {
    std::lock_guard lock(mu_);
    out.reserve(entries_.size() + live_.size() + 1);
    for (const auto& [name, e] : entries_) {
      if (e.snapshot) out.push_back(e.snapshot);
      add_scrape_meta(*meta, name, e.status);
    }
    for (const auto& [name, l] : live_) live.push_back(l);
  }
  out.push_back(meta_->finish(std::move(meta)));
  // Live sources run outside the lock: they may take their own locks.
  for (const auto& l : live) out.push_back(l->run());
  return out;
}

void Board::hold_ready() {
  std::lock_guard lock(mu_);
  ++holds_;
}

void Board::release_ready() {
  std::unique_lock lock(mu_);
  if (holds_ > 0) --holds_;
  check_ready_and_notify(lock);
}

bool Board::ready_locked() const {
  // Ready is start-up's end: a reload that adds a collector does not turn /ready to 503 again
  // (an orchestrator would take the host's endpoint out of service for a config change).
  if (was_ready_) return true;
  if (holds_ > 0) return false;
  for (const auto& [name, e] : entries_) {
    if (!e.status.counts_for_ready) continue;
    if (e.status.kind == ComponentKind::collector) {
      if (e.status.attempts == 0) return false;
    } else if (e.status.state == ComponentState::pending) {
      return false;
    }
  }
  return true;
}

bool Board::ready() const {
  std::lock_guard lock(mu_);
  return ready_locked();
}

void Board::check_ready_and_notify(std::unique_lock<std::mutex>& lock) {
  if (was_ready_ || !ready_locked()) return;
  was_ready_ = true;
  auto callbacks = std::move(ready_callbacks_);
  ready_callbacks_.clear();
  lock.unlock();
  for (auto& f : callbacks) f();
  lock.lock();
}

void Board::on_ready(std::function<void()> f) {
  std::unique_lock lock(mu_);
  if (was_ready_) {
    lock.unlock();
    f();
    return;
  }
  ready_callbacks_.push_back(std::move(f));
}

std::vector<ComponentStatus> Board::components() const {
  std::lock_guard lock(mu_);
  std::vector<ComponentStatus> out;
  out.reserve(entries_.size());
  for (const auto& [name, e] : entries_) out.push_back(e.status);
  return out;
}

}  // namespace sonde::core
