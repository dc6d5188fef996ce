// The ingest module's entry point for daemon/: owns the aggregator (with the compiled mapping
// daemon/ hands it) and the enabled listeners, and publishes the aggregator as the board's live
// source "ingest".
#pragma once

#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "core/board.hpp"
#include "core/clock.hpp"
#include "core/host_paths.hpp"
#include "core/result.hpp"
#include "ingest/aggregator.hpp"
#include "ingest/listeners.hpp"
#include "ingest/mapper.hpp"
#include "ingest/options.hpp"

namespace sonde::ingest {

/// What a reload does to ingest.
enum class Reload {
  keep,            // nothing ingest uses changed: it carries on untouched
  new_listeners,   // only listener options: new sockets on the same aggregator (series carry on)
  new_aggregator,  // the aggregation changed (mapping, buckets, limits, ...): series start afresh
                   // (a counter reset, which rate() handles), as after a restart
};

/// Decides a reload from the running and the next options, their compiled mappings (an edited
/// mapping file counts as a change, as in statsd_exporter; null: none) and procfs roots (origin
/// detection reads senders' cgroups there: a new one needs new listeners).
Reload plan_reload(const IngestOptions& running, const Mapper* running_mapper,
                   const std::filesystem::path& running_proc, const IngestOptions& next,
                   const Mapper* next_mapper, const std::filesystem::path& next_proc);

class Ingest {
 public:
  /// `mapper` is the compiled `options.mapping_file`, or null for none. `runtime_dir` (resolved
  /// by daemon/) holds the Unix sockets that have no configured path; origin detection reads
  /// senders' cgroups under `host.proc`.
  static std::unique_ptr<Ingest> create(const IngestOptions& options,
                                        std::shared_ptr<const Mapper> mapper,
                                        const std::filesystem::path& runtime_dir,
                                        const core::HostPaths& host = {},
                                        const core::Clock& clock = core::SystemClock::instance());
  /// New listeners for `options` on an existing aggregator: its series, values and counters
  /// carry on. For a reload that changes only listener options (see same_aggregation).
  static std::unique_ptr<Ingest> with_aggregator(const IngestOptions& options,
                                                 const std::filesystem::path& runtime_dir,
                                                 const core::HostPaths& host,
                                                 std::shared_ptr<Aggregator> aggregator);
  ~Ingest();

  /// Declares each enabled listener on the board (ComponentKind::listener, so /ready waits for
  /// it), binds it, marks it ok and starts its thread; adds the live source. Fails on the first
  /// listener that cannot bind (the others are stopped).
  core::Status start(core::Board& board);
  /// Stops and joins every listener thread. Idempotent.
  void stop();

  Aggregator& aggregator() { return *aggregator_; }
  std::shared_ptr<Aggregator> shared_aggregator() const { return aggregator_; }

  /// For a reload to `next` (with its compiled mapping and host paths): what changes (see
  /// plan_reload) and, unless nothing does, the Ingest that serves `next`, not started — new
  /// listeners on this aggregator when only listeners change, else a new aggregator.
  std::pair<Reload, std::unique_ptr<Ingest>> successor(const IngestOptions& next,
                                                       std::shared_ptr<const Mapper> next_mapper,
                                                       const std::filesystem::path& runtime_dir,
                                                       const core::HostPaths& host) const;
  /// Stops `running`'s listeners (their socket paths and ports may be `next`'s too) and starts
  /// `next`'s in their place. When those cannot start, `running`'s listeners are started again
  /// on its aggregator, `running` stays, and the error is returned.
  static core::Status replace(std::unique_ptr<Ingest>& running, std::unique_ptr<Ingest> next,
                              core::Board& board);

 private:
  Ingest(const ingest::IngestOptions& options, std::filesystem::path runtime_dir,
         std::filesystem::path proc, std::shared_ptr<Aggregator> aggregator)
      : options_(options),
        runtime_dir_(std::move(runtime_dir)),
        proc_(std::move(proc)),
        aggregator_(std::move(aggregator)) {}
  ingest::IngestOptions options_;
  std::filesystem::path runtime_dir_;
  std::filesystem::path proc_;
  std::shared_ptr<Aggregator> aggregator_;  // shared with the board's live source
  std::vector<std::unique_ptr<Listener>> listeners_;
  core::Board* board_ = nullptr;
};

/// True when `a` and `b` differ at most in listener options (which sockets, their paths,
/// addresses and buffers): an aggregator built for one serves the other unchanged.
bool same_aggregation(const ingest::IngestOptions& a, const ingest::IngestOptions& b);

}  // namespace sonde::ingest
