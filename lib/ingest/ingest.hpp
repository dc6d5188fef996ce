// The ingest module's entry point for daemon/: loads the mapping file, owns the aggregator and
// the enabled listeners, and publishes the aggregator as the board's live source "ingest".
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "core/board.hpp"
#include "core/clock.hpp"
#include "core/options_ingest.hpp"
#include "core/result.hpp"
#include "ingest/aggregator.hpp"
#include "ingest/listeners.hpp"

namespace sonde::ingest {

class Ingest {
 public:
  /// Loads `options.mapping_file` (a bad one is an error naming file:line:column). Warnings go
  /// to the log. `runtime_dir` (resolved by daemon/) holds the Unix sockets that have no
  /// configured path.
  static core::Result<std::unique_ptr<Ingest>> create(
      const core::IngestOptions& options, const std::filesystem::path& runtime_dir,
      const core::Clock& clock = core::SystemClock::instance());
  /// New listeners for `options` on an existing aggregator: its series, values and counters
  /// carry on. For a reload that changes only listener options (see same_aggregation).
  static std::unique_ptr<Ingest> with_aggregator(const core::IngestOptions& options,
                                                 const std::filesystem::path& runtime_dir,
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

 private:
  Ingest(const core::IngestOptions& options, std::filesystem::path runtime_dir,
         std::shared_ptr<Aggregator> aggregator)
      : options_(options),
        runtime_dir_(std::move(runtime_dir)),
        aggregator_(std::move(aggregator)) {}
  core::IngestOptions options_;
  std::filesystem::path runtime_dir_;
  std::shared_ptr<Aggregator> aggregator_;  // shared with the board's live source
  std::vector<std::unique_ptr<Listener>> listeners_;
  core::Board* board_ = nullptr;
};

/// True when `a` and `b` differ at most in listener options (which sockets, their paths,
/// addresses and buffers): an aggregator built for one serves the other unchanged.
bool same_aggregation(const core::IngestOptions& a, const core::IngestOptions& b);

}  // namespace sonde::ingest
